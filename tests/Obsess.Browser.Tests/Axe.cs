using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Obsess.Browser.Tests;

/// <summary>One axe-core violation: the rule, its impact, what it asks for and the elements that break it.</summary>
public sealed record AxeViolation(string Id, string Impact, string Help, string HelpUrl, IReadOnlyList<string> Targets);

/// <summary>Runs axe-core (from npm, copied next to the test assembly) inside the page under test.</summary>
public static class Axe
{
    private static readonly string ScriptPath = Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js");

    public static async Task<IReadOnlyList<AxeViolation>> RunAsync(IPage page)
    {
        File.Exists(ScriptPath).ShouldBeTrue($"axe-core is missing at {ScriptPath}: the build runs `npm ci` in tests/Obsess.Browser.Tests to fetch it.");
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = ScriptPath });
        }

        var json = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const results = await axe.run(document, { resultTypes: ['violations'] });
              return results.violations.map(v => ({
                id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
                targets: v.nodes.map(n => n.target.join(' ') + '  ' + (n.failureSummary || '').replace(/\s+/g, ' '))
              }));
            }
            """);
        return json.EnumerateArray()
            .Select(v => new AxeViolation(
                v.GetProperty("id").GetString()!,
                v.GetProperty("impact").GetString()!,
                v.GetProperty("help").GetString()!,
                v.GetProperty("helpUrl").GetString()!,
                v.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!).ToList()))
            .ToList();
    }

    /// <summary>Fails on any serious or critical violation, naming each rule, its help and the offending elements.</summary>
    public static async Task ShouldHaveNoSeriousViolationsAsync(IPage page, string what)
    {
        var serious = (await RunAsync(page)).Where(v => v.Impact is "serious" or "critical").ToList();
        if (serious.Count > 0)
        {
            throw new Xunit.Sdk.XunitException(Describe($"axe-core found {serious.Count} serious or critical violation(s) on {what} ({page.Url}):", serious));
        }
    }

    public static string Describe(string heading, IEnumerable<AxeViolation> violations)
    {
        var text = new StringBuilder(heading).AppendLine();
        foreach (var v in violations)
        {
            text.AppendLine($"- [{v.Impact}] {v.Id}: {v.Help} ({v.HelpUrl})");
            foreach (var t in v.Targets)
            {
                text.AppendLine($"    at {t}");
            }
        }

        return text.ToString();
    }
}
