using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

/// <summary>Customer-service evidence in sentiment, intents and emotions (engines text-3 to text-5).</summary>
public class CustomerSentimentTests(SmallSentimentModelFixture sentiment, SmallEmotionModelFixture emotions)
    : IClassFixture<SmallSentimentModelFixture>, IClassFixture<SmallEmotionModelFixture>
{
    private static SentimentResult Rules(string text) => new SentimentAnalyzer(Lexicons.Rules).Analyze(text);

    private SentimentResult Engine(string text) => new SentimentAnalyzer(Lexicons.Rules, sentiment.Model).Analyze(text);

    [Fact]
    public void Engine_version_is_text_5() => TextAnalyzer.EngineVersion.ShouldBe("text-5");

    [Theory]
    [InlineData("Please close my account, I am moving to another provider.")]
    [InlineData("Thanks for nothing, the router is still broken.")]
    [InlineData("Please refund the money, you charged me twice for one order.")]
    [InlineData("Oh wonderful, the website is down again.")]
    [InlineData("Nobody answers the phone and my parcel never arrived.")]
    public void Service_problems_churn_and_sarcasm_are_negative_with_and_without_the_model(string text)
    {
        Rules(text).Label.ShouldBe(SentimentLabel.Negative);
        Engine(text).Label.ShouldBe(SentimentLabel.Negative);
    }

    [Fact]
    public void A_negated_or_resolved_problem_is_not_negative()
    {
        Rules("The app crashed twice today.").Label.ShouldBe(SentimentLabel.Negative);
        Rules("The app has not crashed since the update.").Label.ShouldNotBe(SentimentLabel.Negative);
        Rules("The login issue is fixed now, thank you.").Label.ShouldBe(SentimentLabel.Positive);
    }

    [Theory]
    [InlineData("When does my subscription renew?")]
    [InlineData("The parcel came on Thursday.")]
    [InlineData("Could you send the invoice to my other address?")]
    public void A_service_message_without_evaluative_words_is_neutral_even_when_the_model_leans(string text)
    {
        var result = Engine(text);
        result.Score.ShouldBe(0);
        result.Label.ShouldBe(SentimentLabel.Neutral);
    }

    [Fact]
    public void A_positive_opening_is_sarcasm_only_next_to_a_complaint()
    {
        Rules("Brilliant, thank you!").Label.ShouldBe(SentimentLabel.Positive);
        Rules("Brilliant, the parcel arrived damaged.").Label.ShouldBe(SentimentLabel.Negative);
    }

    [Theory]
    [InlineData("Is there a late fee if I pay on the 5th?")]
    [InlineData("I'm writing about my late father's credit card.")]
    public void A_fee_asked_about_or_a_late_relative_is_not_negative(string text) => Rules(text).Label.ShouldNotBe(SentimentLabel.Negative);

    [Fact]
    public void Praise_without_negative_words_is_positive()
    {
        Engine("Thank you for sorting this out so quickly.").Label.ShouldBe(SentimentLabel.Positive);
        Rules("Thank you for sorting this out so quickly.").Label.ShouldBe(SentimentLabel.Positive);
    }

    [Fact]
    public void A_strong_positive_opinion_contrasted_with_a_service_problem_is_mixed()
    {
        Rules("The staff were wonderful but they lost our luggage.").Label.ShouldBe(SentimentLabel.Mixed);
        // Without the contrast the positive word reads as sarcasm next to the problem.
        Rules("Wonderful, they lost our luggage.").Label.ShouldBe(SentimentLabel.Negative);
    }

    [Fact]
    public void Scare_quotes_next_to_a_complaint_are_sarcasm()
    {
        var text = "So much for 'express' shipping, the order is still not here.";
        var rules = Lexicons.Rules;
        var tokens = rules.Tokenize(text);
        var evidence = CustomerCues.Find(text, tokens, rules.Score(text, tokens), rules.Lexicon);
        evidence.Sarcasm.ShouldBeTrue();
        evidence.StrongestPositive.ShouldBe(0);
        evidence.Negative.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Politeness_is_not_evaluative_evidence()
    {
        var text = "Please update my billing address.";
        var rules = Lexicons.Rules;
        var tokens = rules.Tokenize(text);
        rules.Score(text, tokens).Compound.ShouldBeGreaterThan(0.05); // the lexicon rates "please"
        CustomerCues.Find(text, tokens, rules.Score(text, tokens), rules.Lexicon).Evaluative.ShouldBeFalse();
        Rules(text).Label.ShouldBe(SentimentLabel.Neutral);
    }

    [Fact]
    public void Thanks_for_nothing_is_not_praise()
    {
        var analyzer = new TextAnalyzer(Lexicons.VaderLexicon);
        var sarcastic = analyzer.Analyze("Thanks for nothing. Cancel my subscription.");
        sarcastic.Intents.ShouldContain(Intent.ChurnThreat);
        sarcastic.Intents.ShouldNotContain(Intent.Praise);
        analyzer.Analyze("Thanks for the quick fix!").Intents.ShouldContain(Intent.Praise);
    }

    [Fact]
    public void Emotions_agree_with_the_sentiment_sign()
    {
        var analyzer = new TextAnalyzer(Lexicons.VaderLexicon, sentiment.Model, emotions.Model);
        var complaint = analyzer.Analyze("Great, just great. You charged me twice and nobody answers my emails.");
        complaint.Sentiment.ShouldNotBeNull().Label.ShouldBe(SentimentLabel.Negative);
        complaint.Emotions["joy"].ShouldBe(0);
        complaint.Emotions["neutral"].ShouldBe(0);
        complaint.Emotions.Values.Sum().ShouldBe(1, 1e-9);
        complaint.TopEmotion.ShouldBeOneOf("anger", "disgust", "fear", "sadness", "surprise");

        var praise = analyzer.Analyze("Thank you so much, the team was wonderful and the refund arrived today.");
        praise.Sentiment.ShouldNotBeNull().Label.ShouldBe(SentimentLabel.Positive);
        foreach (var e in new[] { "anger", "disgust", "fear", "sadness" })
        {
            praise.Emotions[e].ShouldBe(0);
        }

        praise.Emotions.Values.Sum().ShouldBe(1, 1e-9);
    }

    [Fact]
    public void Consistent_emotions_follow_the_label()
    {
        EmotionModel.ConsistentWith(SentimentLabel.Neutral).ShouldBeNull();
        EmotionModel.ConsistentWith(SentimentLabel.Mixed).ShouldBeNull();
        EmotionModel.ConsistentWith(SentimentLabel.Negative).ShouldNotBeNull().ShouldNotContain("joy");
        EmotionModel.ConsistentWith(SentimentLabel.Negative).ShouldNotBeNull().ShouldContain("neutral");
        EmotionModel.ConsistentWith(SentimentLabel.Positive).ShouldNotBeNull().ShouldNotContain("anger");
    }

    [Fact]
    public void A_complaint_is_not_surprised_unless_it_says_so()
    {
        var analyzer = new TextAnalyzer(Lexicons.VaderLexicon, sentiment.Model, emotions.Model);
        var plain = analyzer.Analyze("Still waiting for my refund, and the app crashes every time I log in.");
        plain.Sentiment.ShouldNotBeNull().Label.ShouldBe(SentimentLabel.Negative);
        plain.Emotions["surprise"].ShouldBe(0);
        plain.TopEmotion.ShouldBeOneOf("anger", "disgust", "fear", "sadness");

        var surprised = analyzer.Analyze("I can't believe it, you charged me twice again.");
        surprised.Sentiment.ShouldNotBeNull().Label.ShouldBe(SentimentLabel.Negative);
        surprised.Emotions["surprise"].ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("How do I change the delivery address on my order?")]
    [InlineData("Can you send the invoice for my subscription again?")]
    public void A_plain_question_about_an_order_or_account_has_no_emotion_but_neutral(string text)
    {
        var analysis = new TextAnalyzer(Lexicons.VaderLexicon, sentiment.Model, emotions.Model).Analyze(text);
        analysis.Sentiment.ShouldNotBeNull().Label.ShouldBe(SentimentLabel.Neutral);
        analysis.TopEmotion.ShouldBe("neutral");
        analysis.Emotions["neutral"].ShouldBe(1, 1e-9);
    }
}
