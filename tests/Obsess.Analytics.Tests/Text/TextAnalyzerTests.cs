using Obsess.Analytics.Text;

namespace Obsess.Analytics.Tests.Text;

public class TextAnalyzerTests(SmallEmotionModelFixture emotions) : IClassFixture<SmallEmotionModelFixture>
{
    [Fact]
    public void Analysis_brings_sentiment_emotions_intents_urgency_and_language_together()
    {
        var analyzer = new TextAnalyzer(Lexicons.VaderLexicon, emotionModel: emotions.Model);
        var result = analyzer.Analyze("I love the product but support was horrible, I want to talk to a manager!");
        result.Language.Code.ShouldBe("en");
        result.Sentiment.ShouldNotBeNull().Label.ShouldBe(SentimentLabel.Mixed);
        result.Emotions.Count.ShouldBe(7);
        result.TopEmotion.ShouldNotBeNull();
        result.Intents.ShouldContain(Intent.HumanRequest);
        result.Urgency.ShouldBeInRange(0.0, 1.0);
        result.Version.ShouldBe(analyzer.Version);
    }

    [Fact]
    public void Version_changes_when_a_model_is_added()
    {
        var rulesOnly = new TextAnalyzer(Lexicons.VaderLexicon);
        var withEmotions = new TextAnalyzer(Lexicons.VaderLexicon, emotionModel: emotions.Model);
        rulesOnly.Version.ShouldStartWith(TextAnalyzer.EngineVersion);
        withEmotions.Version.ShouldNotBe(rulesOnly.Version);
        new TextAnalyzer(Lexicons.VaderLexicon).Version.ShouldBe(rulesOnly.Version);
    }

    [Fact]
    public void Without_an_emotion_model_emotions_are_empty()
    {
        var result = new TextAnalyzer(Lexicons.VaderLexicon).Analyze("Thanks, that fixed it!");
        result.Emotions.ShouldBeEmpty();
        result.TopEmotion.ShouldBeNull();
        result.Sentiment.ShouldNotBeNull().Label.ShouldBe(SentimentLabel.Positive);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("!!!")]
    public void Empty_or_punctuation_only_text_is_neutral_with_no_intents(string text)
    {
        var result = new TextAnalyzer(Lexicons.VaderLexicon).Analyze(text);
        result.Sentiment.ShouldNotBeNull().Label.ShouldBe(SentimentLabel.Neutral);
        result.Intents.ShouldBeEmpty();
        result.Language.Code.ShouldBe(LanguageDetector.Undetermined);
    }

    [Fact]
    public void Parallel_analysis_gives_the_same_results_as_sequential()
    {
        var analyzer = new TextAnalyzer(Lexicons.VaderLexicon, emotionModel: emotions.Model);
        var texts = Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? $"Order {i} arrived broken, awful!" : $"Order {i} was perfect, thanks :)").ToArray();
        var sequential = texts.Select(t => analyzer.Analyze(t).Sentiment!.Score).ToArray();
        var parallel = texts.AsParallel().AsOrdered().Select(t => analyzer.Analyze(t).Sentiment!.Score).ToArray();
        parallel.ShouldBe(sequential);
    }
}
