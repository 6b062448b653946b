using System.Text.Json;
using Shouldly;

namespace Obsess.Tests.Cli;

public sealed class TextCommandTests
{
    [Fact]
    public async Task Analyze_writes_one_json_per_line_with_the_expected_labels()
    {
        var dir = CliRunner.TempDir();
        var input = Path.Combine(dir, "texts.txt");
        await File.WriteAllLinesAsync(input,
        [
            "I love this product, it is wonderful!",
            "This is the worst service ever, I am furious.",
            "I want to cancel my account, let me talk to a human.",
        ]);

        // An empty --models folder: rules-only sentiment, flagged in every line and explained on stderr.
        var result = await CliRunner.RunAsync("text", "analyze", "--input", input, "--data-root", CliRunner.SharedData(), "--models", Path.Combine(dir, "no-models"));

        result.ExitCode.ShouldBe(0, result.Error);
        result.Error.ShouldContain("obsess text train");
        var lines = result.OutLines;
        lines.Length.ShouldBe(3);
        var docs = lines.Select(l => JsonDocument.Parse(l)).ToList();
        try
        {
            docs[0].RootElement.GetProperty("sentiment").GetProperty("label").GetString().ShouldBe("positive");
            docs[1].RootElement.GetProperty("sentiment").GetProperty("label").GetString().ShouldBe("negative");
            docs[1].RootElement.GetProperty("intents").EnumerateArray().Select(i => i.GetString()).ShouldContain("complaint");
            var third = docs[2].RootElement.GetProperty("intents").EnumerateArray().Select(i => i.GetString()).ToList();
            third.ShouldContain("churn_threat");
            third.ShouldContain("human_request");
            foreach (var d in docs)
            {
                d.RootElement.GetProperty("model").GetString().ShouldBe("rules");
                d.RootElement.GetProperty("language").GetString().ShouldBe("en");
                d.RootElement.GetProperty("urgency").GetDouble().ShouldBeInRange(0, 1);
                d.RootElement.GetProperty("emotions").ValueKind.ShouldBe(JsonValueKind.Object);
            }
        }
        finally
        {
            docs.ForEach(d => d.Dispose());
        }
    }

    [Fact]
    public async Task Train_writes_weights_that_analyze_then_uses()
    {
        var models = Path.Combine(CliRunner.TempDir(), "text-models");
        var train = await CliRunner.RunAsync("text", "train", "--data-root", CliRunner.SharedData(), "--out", models);

        train.ExitCode.ShouldBe(0, train.Error);
        File.Exists(Path.Combine(models, "sentiment.json")).ShouldBeTrue();
        File.Exists(Path.Combine(models, "emotion.json")).ShouldBeTrue();
        using (var summary = JsonDocument.Parse(train.Out))
        {
            summary.RootElement.GetProperty("emotion").GetProperty("devMacroF1WithNeutral").GetDouble().ShouldBeGreaterThan(0.45);
        }

        var input = Path.Combine(CliRunner.TempDir(), "texts.txt");
        await File.WriteAllLinesAsync(input, ["I love this, it made me so happy!", "This is terrible, the worst purchase I ever made."]);
        var result = await CliRunner.RunAsync("text", "analyze", "--input", input, "--data-root", CliRunner.SharedData(), "--models", models);

        result.ExitCode.ShouldBe(0, result.Error);
        var lines = result.OutLines;
        lines.Length.ShouldBe(2);
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        first.RootElement.GetProperty("model").GetString().ShouldBe("trained");
        first.RootElement.GetProperty("sentiment").GetProperty("label").GetString().ShouldBe("positive");
        first.RootElement.GetProperty("emotion").GetString().ShouldBe("joy");
        first.RootElement.GetProperty("emotions").EnumerateObject().Count().ShouldBe(7);
        second.RootElement.GetProperty("sentiment").GetProperty("label").GetString().ShouldBe("negative");
    }

    [Fact]
    public async Task Analyze_without_the_lexicon_says_where_it_looked()
    {
        var result = await CliRunner.RunAsync("text", "analyze", "--input", "/dev/null", "--data-root", Path.Combine(CliRunner.TempDir(), "missing"));

        result.ExitCode.ShouldNotBe(0);
        result.Error.ShouldContain("--data-root");
        result.Out.ShouldBeEmpty();
    }

    [Fact]
    public async Task Themes_writes_an_id_per_line_then_a_summary()
    {
        var input = Path.Combine(CliRunner.TempDir(), "tickets.txt");
        string[] texts =
        [
            "my delivery is late and the parcel never arrived",
            "the parcel delivery was late again",
            "delivery late, parcel missing",
            "where is my parcel, the delivery is late",
            "I was charged twice on my invoice",
            "the invoice shows a double charge",
            "refund the double charge on my invoice",
            "invoice charge is wrong, charged twice",
        ];
        await File.WriteAllLinesAsync(input, texts);
        var result = await CliRunner.RunAsync("text", "themes", "--input", input, "--k", "2", "--seed", "5", "--data-root", CliRunner.SharedData());

        result.ExitCode.ShouldBe(0, result.Error);
        var lines = result.OutLines;
        lines.Length.ShouldBe(texts.Length + 1);
        var ids = lines.Take(texts.Length).Select(int.Parse).ToList();
        ids.Take(4).Distinct().Count().ShouldBe(1);
        ids.Skip(4).Distinct().Count().ShouldBe(1);
        ids[0].ShouldNotBe(ids[4]);
        using var summary = JsonDocument.Parse(lines[^1]);
        summary.RootElement.GetProperty("k").GetInt32().ShouldBe(2);
        summary.RootElement.GetProperty("themes").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Themes_rejects_a_bad_k()
    {
        var input = Path.Combine(CliRunner.TempDir(), "t.txt");
        await File.WriteAllLinesAsync(input, ["a b", "c d", "e f"]);
        var result = await CliRunner.RunAsync("text", "themes", "--input", input, "--k", "many");

        result.ExitCode.ShouldNotBe(0);
        result.Error.ShouldContain("--k");
    }
}
