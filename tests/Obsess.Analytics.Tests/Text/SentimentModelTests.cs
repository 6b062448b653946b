using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

public class SentimentModelTests(SmallSentimentModelFixture fixture) : IClassFixture<SmallSentimentModelFixture>
{
    [Fact]
    public void Trained_model_beats_chance_clearly_on_the_sst2_dev_set()
    {
        var analyzer = new SentimentAnalyzer(Lexicons.Rules, fixture.Model);
        var correct = fixture.Dev.Count(d => analyzer.Analyze(d.Text).Score >= 0 == (d.Label == 1));
        (correct / (double)fixture.Dev.Count).ShouldBeGreaterThan(0.70);
    }

    [Fact]
    public void Model_scores_a_clearly_positive_and_a_clearly_negative_review_the_right_way()
    {
        var analyzer = new SentimentAnalyzer(Lexicons.Rules, fixture.Model);
        analyzer.Analyze("A warm, funny and beautifully made film that I enjoyed from start to finish.").Score.ShouldBeGreaterThan(0.05);
        analyzer.Analyze("A dull, tedious mess with no wit and a plot that goes nowhere.").Score.ShouldBeLessThan(-0.05);
    }

    [Fact]
    public void Saved_weights_reload_to_the_same_scores()
    {
        var reloaded = SentimentModel.FromJson(fixture.Model.ToJson());
        var a = new SentimentAnalyzer(Lexicons.Rules, fixture.Model);
        var b = new SentimentAnalyzer(Lexicons.Rules, reloaded);
        foreach (var text in new[] { "great value for money", "never again, what a waste", "it arrived on Tuesday" })
        {
            b.Analyze(text).Score.ShouldBe(a.Analyze(text).Score, 1e-9);
        }

        reloaded.Fingerprint.ShouldBe(fixture.Model.Fingerprint);
        reloaded.RuleWeight.ShouldBe(fixture.Model.RuleWeight);
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed()
    {
        var small = fixture.Train.Take(3000).ToList();
        var options = fixture.Options with { MaxEpochs = 2 };
        var first = SentimentTrainer.Train(small, fixture.Dev, Lexicons.Rules, options).ToJson();
        var second = SentimentTrainer.Train(small, fixture.Dev, Lexicons.Rules, options).ToJson();
        second.ShouldBe(first);
        SentimentTrainer.Train(small, fixture.Dev, Lexicons.Rules, options with { Seed = 99 }).ToJson().ShouldNotBe(first);
    }

    [Fact]
    public void Malformed_training_row_is_reported_with_its_line()
    {
        var ex = Should.Throw<FormatException>(() => SentimentTrainer.ReadLabelled(new StringReader("text\tlabel\ngood film\t1\nbad film\tneg\n"), "mini.tsv"));
        ex.Message.ShouldContain("mini.tsv line 3");
    }

    [Fact]
    public void Malformed_weights_json_names_the_field()
    {
        Should.Throw<FormatException>(() => SentimentModel.FromJson("{\"format\":\"obsess-linear-1\",\"bits\":16}")).Message.ShouldContain("classes");
        Should.Throw<FormatException>(() => SentimentModel.FromJson("{\"format\":\"other\"}")).Message.ShouldContain("format");
    }
}
