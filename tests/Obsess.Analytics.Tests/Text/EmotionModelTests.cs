using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

public class EmotionModelTests(SmallEmotionModelFixture fixture) : IClassFixture<SmallEmotionModelFixture>
{
    private IReadOnlyDictionary<string, double> Predict(string text)
    {
        var rules = Lexicons.Rules;
        var tokens = rules.Tokenize(text);
        return fixture.Model.Predict(tokens, rules.Score(text, tokens));
    }

    private static string Top(IReadOnlyDictionary<string, double> p) => p.MaxBy(kv => kv.Value).Key;

    [Fact]
    public void Clearly_joyful_sentence_is_joy()
    {
        Top(Predict("I am so happy and thankful, this made my whole day wonderful!")).ShouldBe("joy");
    }

    [Fact]
    public void Clearly_angry_and_sad_sentences_are_not_joy()
    {
        var angry = Predict("I am furious, this is infuriating and I hate how you treated me");
        angry["anger"].ShouldBeGreaterThan(angry["joy"]);
        var sad = Predict("I am so sad, my dog died yesterday and I miss him terribly");
        sad["sadness"].ShouldBeGreaterThan(sad["joy"]);
    }

    [Fact]
    public void Probabilities_cover_the_seven_classes_and_sum_to_one()
    {
        var p = Predict("The package arrived.");
        p.Keys.ShouldBe(EmotionModel.Emotions, ignoreOrder: true);
        p.Values.Sum().ShouldBe(1.0, 1e-9);
    }

    [Fact]
    public void Goemotions_labels_map_to_ekman_groups_with_a_uniform_target()
    {
        // Ids 17 (joy) and 25 (sadness) in labels.txt; 27 is neutral.
        var tsv = "text\tlabel\tid\nbittersweet\t17,25\tx1\nok then\t27\tx2\n";
        using var labels = File.OpenText(SharedData.PathOf("emotion/goemotions/labels.txt"));
        var rows = EmotionTrainer.ReadGoEmotions(new StringReader(tsv), labels, File.ReadAllText(SharedData.PathOf("emotion/goemotions/ekman_mapping.json")));
        rows[0].Labels.ShouldBe(["joy", "sadness"], ignoreOrder: true);
        rows[0].Target.Sum().ShouldBe(1.0, 1e-12);
        rows[1].Labels.ShouldBe(["neutral"]);
    }

    [Fact]
    public void Unknown_label_id_is_reported_with_its_line()
    {
        using var labels = File.OpenText(SharedData.PathOf("emotion/goemotions/labels.txt"));
        var ex = Should.Throw<FormatException>(() => EmotionTrainer.ReadGoEmotions(new StringReader("text\tlabel\tid\nhi\t99\tx\n"), labels, "{}"));
        ex.Message.ShouldContain("line 2");
    }

    [Fact]
    public void Subset_model_reaches_a_macro_f1_well_above_chance_on_dev()
    {
        // Chance (always the majority class) gives about 0.08 macro-F1 over the seven classes.
        var eval = EmotionTrainer.Evaluate(fixture.Model, fixture.Dev.Take(1500).ToList(), Lexicons.Rules);
        eval.MacroF1WithNeutral.ShouldBeGreaterThan(0.3);
    }

    [Fact]
    public void Saved_weights_reload_to_the_same_probabilities()
    {
        var reloaded = EmotionModel.FromJson(fixture.Model.ToJson());
        var rules = Lexicons.Rules;
        var text = "wow, I did not expect that at all";
        var tokens = rules.Tokenize(text);
        var rule = rules.Score(text, tokens);
        var a = fixture.Model.Predict(tokens, rule);
        var b = reloaded.Predict(tokens, rule);
        foreach (var e in EmotionModel.Emotions)
        {
            b[e].ShouldBe(a[e], 1e-6);
        }

        reloaded.Decide(tokens, rule).ShouldBe(fixture.Model.Decide(tokens, rule));
    }
}
