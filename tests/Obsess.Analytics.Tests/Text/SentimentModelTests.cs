using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

public class SentimentModelTests(SmallSentimentModelFixture fixture) : IClassFixture<SmallSentimentModelFixture>
{
    [Fact]
    public void Trained_model_beats_chance_clearly_on_the_sst2_dev_set()
    {
        var analyzer = new SentimentAnalyzer(Lexicons.Rules, fixture.Model);
        var sst2 = fixture.Dev.Where(d => d.Source == "sst2").ToList();
        var correct = sst2.Count(d => analyzer.Analyze(d.Text).Score >= 0 == (d.Label == LabelledText.Positive));
        (correct / (double)sst2.Count).ShouldBeGreaterThan(0.70);
    }

    [Fact]
    public void Three_class_model_keeps_neutral_comments_nearer_zero_than_opinionated_ones()
    {
        var analyzer = new SentimentAnalyzer(Lexicons.Rules, fixture.Model);
        var social = fixture.Dev.Where(d => d.Source == "goemotions").ToList();
        double Mean(int label) => social.Where(d => d.Label == label).Average(d => Math.Abs(analyzer.Analyze(d.Text).ModelScore!.Value));
        Mean(LabelledText.Neutral).ShouldBeLessThan(Mean(LabelledText.Positive));
        Mean(LabelledText.Neutral).ShouldBeLessThan(Mean(LabelledText.Negative));
    }

    [Fact]
    public void Gate_share_is_a_weight_and_the_score_lies_between_rules_and_model()
    {
        var analyzer = new SentimentAnalyzer(Lexicons.Rules, fixture.Model);
        foreach (var text in new[] { "OMG I love it!!! :)", "The delivery came on Tuesday and the box was fine, thanks.", "never again" })
        {
            var r = analyzer.Analyze(text);
            r.RuleShare!.Value.ShouldBeInRange(0, 1);
            r.Score.ShouldBeInRange(Math.Min(r.RuleScore, r.ModelScore!.Value) - 1e-12, Math.Max(r.RuleScore, r.ModelScore.Value) + 1e-12);
        }
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
        reloaded.Gate.ShouldBe(fixture.Model.Gate);
        reloaded.Temperature.ShouldBe(fixture.Model.Temperature);
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
    public void Gate_learns_to_trust_the_rules_where_they_are_right_and_the_model_elsewhere()
    {
        // Synthetic development rows: where gate feature 2 is on, the rule score is the truth and the model is noise;
        // elsewhere the reverse. The fitted gate must give the rules a large share only in the first group.
        var random = new Random(5);
        var n = 2000;
        var phi = new double[n][];
        var rule = new double[n];
        var model = new double[n];
        var target = new double[n];
        for (var i = 0; i < n; i++)
        {
            var social = i % 2 == 0;
            target[i] = random.Next(3) - 1;
            var noise = random.NextDouble() * 2 - 1;
            rule[i] = social ? target[i] * 0.8 : noise;
            model[i] = social ? noise : target[i] * 0.8;
            phi[i] = new double[SentimentModel.GateCount];
            phi[i][0] = 1;
            phi[i][2] = social ? 1 : 0;
        }

        var theta = SentimentTrainer.FitGate(phi, rule, model, target, [.. Enumerable.Repeat(1.0, n)]);
        SentimentModel.GateValue(theta, phi[0]).ShouldBeGreaterThan(0.8);
        SentimentModel.GateValue(theta, phi[1]).ShouldBeLessThan(0.2);
    }

    [Fact]
    public void Neutral_zone_keeps_the_order_and_the_ends_of_the_scale()
    {
        double[] xs = [-1, -0.6, -0.12, -0.05, 0, 0.05, 0.12, 0.6, 1];
        var shrunk = xs.Select(x => SentimentModel.Shrink(x, 0.1)).ToArray();
        shrunk.ShouldBe([.. shrunk.OrderBy(x => x)]);
        shrunk[0].ShouldBe(-1);
        shrunk[^1].ShouldBe(1);
        shrunk[3].ShouldBe(0);
        SentimentAnalyzer.LabelOf(shrunk[6]).ShouldBe(SentimentLabel.Neutral);
        SentimentAnalyzer.LabelOf(shrunk[7]).ShouldBe(SentimentLabel.Positive);
    }

    [Fact]
    public void GoEmotions_comments_map_to_one_sentiment_or_are_left_out()
    {
        double[] T(params string[] emotions) => [.. EmotionModel.Emotions.Select(e => emotions.Contains(e) ? 1.0 / emotions.Length : 0)];
        var rows = SentimentTrainer.FromEmotions(
        [
            new EmotionExample("yay", T("joy")),
            new EmotionExample("ugh", T("anger", "disgust")),
            new EmotionExample("ok", T("neutral")),
            new EmotionExample("oh?", T("surprise")),
            new EmotionExample("bittersweet", T("joy", "sadness")),
            new EmotionExample("wow, great", T("joy", "surprise")),
        ]);
        rows.Select(r => (r.Text, r.Label)).ShouldBe(
        [
            ("yay", LabelledText.Positive), ("ugh", LabelledText.Negative), ("ok", LabelledText.Neutral), ("wow, great", LabelledText.Positive),
        ]);
    }

    [Fact]
    public void Older_two_class_weights_are_refused_with_a_hint_to_retrain()
    {
        var twoClass = "{\"format\":\"obsess-linear-1\",\"bits\":4,\"classes\":[\"negative\",\"positive\"],\"bias\":[0,0],\"denseCount\":5,\"dense\":[0,0,0,0,0,0,0,0,0,0],\"weights\":[]}";
        Should.Throw<ArgumentException>(() => SentimentModel.FromJson(twoClass)).Message.ShouldContain("trained again");
    }

    [Fact]
    public void Malformed_weights_json_names_the_field()
    {
        Should.Throw<FormatException>(() => SentimentModel.FromJson("{\"format\":\"obsess-linear-1\",\"bits\":16}")).Message.ShouldContain("classes");
        Should.Throw<FormatException>(() => SentimentModel.FromJson("{\"format\":\"other\"}")).Message.ShouldContain("format");
    }
}
