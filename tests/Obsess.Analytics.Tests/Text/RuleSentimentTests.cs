using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

public class RuleSentimentTests
{
    private readonly RuleSentimentScorer _rules = Lexicons.Rules;

    private double Score(string text) => _rules.Score(text).Compound;

    [Fact]
    public void Negation_flips_good_to_negative()
    {
        Score("The support was good.").ShouldBeGreaterThan(0.05);
        Score("The support was not good.").ShouldBeLessThan(-0.05);
        Score("The support wasn't good.").ShouldBeLessThan(-0.05);
        Score("The support isn\u2019t good.").ShouldBeLessThan(-0.05);
    }

    [Fact]
    public void Negation_reaches_three_words_back_but_no_further()
    {
        Score("It was not really very good.").ShouldBeLessThan(0);
        Score("Not that I mind, the room was good.").ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Negation_stops_at_the_end_of_a_sentence()
    {
        Score("Nah. Enjoy your free food").ShouldBeGreaterThan(0.05);
        Score("Nah enjoy your free food").ShouldBeLessThan(-0.05);
    }

    [Fact]
    public void Never_so_stresses_instead_of_negating()
    {
        Score("I have never felt so happy.").ShouldBeGreaterThan(Score("I have felt happy."));
        Score("I have never felt happy.").ShouldBeLessThan(-0.05);
    }

    [Fact]
    public void Two_negators_cancel_out()
    {
        Score("The food was never not good.").ShouldBeGreaterThan(0.05);
        Score("The food was not good.").ShouldBeLessThan(-0.05);
    }

    [Fact]
    public void Least_negates_unless_it_is_at_least()
    {
        Score("The least helpful agent so far.").ShouldBeLessThan(-0.05);
        Score("At least helpful.").ShouldBeGreaterThan(0.05);
    }

    [Fact]
    public void Lengthened_words_are_read_as_their_short_form()
    {
        Score("sooo goooood").ShouldBe(Score("sooo good"), 1e-12);
        Score("goooood").ShouldBeGreaterThan(0.05);
        Score("baaaad").ShouldBeLessThan(-0.05);
    }

    [Fact]
    public void No_before_a_rated_word_negates_it_instead_of_adding_its_own_valence()
    {
        Score("There were no problems with the delivery.").ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Boosters_increase_and_dampeners_decrease_intensity()
    {
        var plain = Score("The app is good.");
        Score("The app is very good.").ShouldBeGreaterThan(plain);
        Score("The app is extremely good.").ShouldBeGreaterThan(plain);
        Score("The app is somewhat good.").ShouldBeLessThan(plain);
        Score("The app is somewhat good.").ShouldBeGreaterThan(0);
    }

    [Fact]
    public void But_weights_the_clause_after_it_more()
    {
        // Same two words, swapped around "but": the clause after "but" decides the sign.
        Score("The food was good but the service was bad.").ShouldBeLessThan(0);
        Score("The service was bad but the food was good.").ShouldBeGreaterThan(0);
    }

    [Fact]
    public void All_caps_word_among_lower_case_words_intensifies()
    {
        Score("The delivery was GREAT today").ShouldBeGreaterThan(Score("The delivery was great today"));
        Score("The delivery was TERRIBLE today").ShouldBeLessThan(Score("The delivery was terrible today"));
    }

    [Fact]
    public void A_text_all_in_caps_is_not_emphasis()
    {
        Score("THE DELIVERY WAS GREAT").ShouldBe(Score("the delivery was great"), 1e-12);
    }

    [Fact]
    public void Exclamation_marks_intensify_up_to_four()
    {
        var none = Score("The update is great");
        var one = Score("The update is great!");
        var three = Score("The update is great!!!");
        one.ShouldBeGreaterThan(none);
        three.ShouldBeGreaterThan(one);
        Score("The update is great!!!!!!!!").ShouldBe(Score("The update is great!!!!"), 1e-12);
        Score("The update is awful!!!").ShouldBeLessThan(Score("The update is awful"));
    }

    [Fact]
    public void Several_question_marks_intensify_but_one_does_not()
    {
        Score("Is this a terrible joke?").ShouldBe(Score("Is this a terrible joke"), 1e-12);
        Score("Is this a terrible joke???").ShouldBeLessThan(Score("Is this a terrible joke?"));
    }

    [Fact]
    public void Punctuation_alone_carries_no_sentiment()
    {
        Score("Order 5521 shipped!!!").ShouldBe(0);
    }

    [Fact]
    public void Emoji_are_scored_and_each_one_counts()
    {
        var one = _rules.Score("Delivered today 😀");
        one.Emoji.ShouldBe(1);
        one.Compound.ShouldBeGreaterThan(0.05);
        var three = _rules.Score("Delivered today 😀😀😀");
        three.Emoji.ShouldBe(3);
        three.Compound.ShouldBeGreaterThan(one.Compound);
        _rules.Score("Delivered today😠").Compound.ShouldBeLessThan(-0.05);
    }

    [Fact]
    public void Emoji_glued_to_a_word_are_split_from_it()
    {
        _rules.Tokenize("great😀").ShouldBe(["great", "😀"]);
        _rules.Tokenize("#love it!!").ShouldBe(["love", "it"]);
    }

    [Fact]
    public void Emoticons_are_kept_whole_and_scored()
    {
        Score("See you tomorrow :)").ShouldBeGreaterThan(0.05);
        Score("See you tomorrow :(").ShouldBeLessThan(-0.05);
    }

    [Fact]
    public void Love_the_product_but_horrible_support_is_mixed()
    {
        var analyzer = new SentimentAnalyzer(_rules);
        analyzer.Analyze("I love the product but support was horrible").Label.ShouldBe(SentimentLabel.Mixed);
        analyzer.Analyze("I love the product and support was helpful").Label.ShouldBe(SentimentLabel.Positive);
        analyzer.Analyze("The product broke and support was horrible").Label.ShouldBe(SentimentLabel.Negative);
    }

    [Theory]
    [InlineData(0.05, SentimentLabel.Positive)]
    [InlineData(0.0499, SentimentLabel.Neutral)]
    [InlineData(0.0, SentimentLabel.Neutral)]
    [InlineData(-0.0499, SentimentLabel.Neutral)]
    [InlineData(-0.05, SentimentLabel.Negative)]
    [InlineData(0.9, SentimentLabel.Positive)]
    [InlineData(-0.9, SentimentLabel.Negative)]
    public void Labels_follow_the_plus_minus_005_thresholds(double score, SentimentLabel expected)
    {
        SentimentAnalyzer.LabelOf(score).ShouldBe(expected);
    }

    [Fact]
    public void Compound_stays_within_minus_one_and_one()
    {
        var gushing = string.Join(' ', Enumerable.Repeat("AMAZING wonderful fantastic!!!", 40));
        Score(gushing).ShouldBeInRange(0.99, 1.0);
        RuleSentimentScorer.Normalise(-1e9).ShouldBeInRange(-1.0, -0.999);
    }

    [Fact]
    public void Text_without_rated_words_is_neutral()
    {
        var analyzer = new SentimentAnalyzer(_rules);
        var result = analyzer.Analyze("My parcel came on Tuesday.");
        result.Score.ShouldBe(0);
        result.Label.ShouldBe(SentimentLabel.Neutral);
    }

    [Fact]
    public void Support_as_a_department_is_not_praise()
    {
        Score("I contacted the support team on Monday.").ShouldBe(0);
        Score("I need help with my invoice.").ShouldBe(0);
        Score("Thanks for your support!").ShouldBeGreaterThan(0.05);
    }

    [Fact]
    public void Malformed_lexicon_line_is_reported_with_its_number()
    {
        var ex = Should.Throw<FormatException>(() => SentimentLexicon.Parse(new StringReader("good\t1.9\t0.9\t[]\nbad\tvery\t0.5\t[]\n")));
        ex.Message.ShouldContain("line 2");
        ex.Message.ShouldContain("very");
    }

    [Fact]
    public void Lexicon_line_without_a_valence_is_reported()
    {
        Should.Throw<FormatException>(() => SentimentLexicon.Parse(new StringReader("good\n"))).Message.ShouldContain("line 1");
    }

    [Fact]
    public void Afinn_valences_are_rescaled_to_the_vader_range()
    {
        var lexicon = SentimentLexicon.ParseAfinn(new StringReader("superb\t5\nbad\t-3\n"));
        lexicon.TryGetValence("superb", out var superb).ShouldBeTrue();
        superb.ShouldBe(4.0, 1e-12);
        lexicon.TryGetValence("BAD", out var bad).ShouldBeTrue();
        bad.ShouldBe(-2.4, 1e-12);
    }

    [Fact]
    public void Lexicon_fingerprint_changes_with_its_contents()
    {
        var a = SentimentLexicon.Parse(new StringReader("good\t1.9\t0.9\t[]\n"));
        var b = SentimentLexicon.Parse(new StringReader("good\t2.0\t0.9\t[]\n"));
        a.Fingerprint.ShouldNotBe(b.Fingerprint);
        a.Fingerprint.ShouldBe(SentimentLexicon.Parse(new StringReader("good\t1.9\t0.9\t[]\n")).Fingerprint);
    }
}
