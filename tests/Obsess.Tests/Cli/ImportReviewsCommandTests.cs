using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Feedback;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Cli;

/// <summary><c>obsess import reviews</c> on the embedded SQLite database of a temporary data folder.</summary>
public sealed class ImportReviewsCommandTests
{
    private const string Good = """"
        Review Id,Stars,text,date,email,product
        g-1,5,"Fast, friendly and ""spot on""",2026-03-01,ann@example.com,Kettle
        g-2,1,Never arrived,2026-03-02T10:00:00Z,,Toaster
        """";

    [Fact]
    public async Task Reviews_import_with_line_numbered_errors_all_or_nothing_then_once_only()
    {
        var dir = CliRunner.TempDir();
        try
        {
            var bad = Path.Combine(dir, "bad.csv");
            await File.WriteAllTextAsync(bad, "external_id,rating,text,date\nb-1,4,Fine,2026-03-01\nb-2,,No stars,2026-03-02\nb-3,6,Too many,yesterday\n");
            var good = Path.Combine(dir, "good.csv");
            await File.WriteAllTextAsync(good, Good);

            var failed = await CliRunner.RunAsync("import", "reviews", bad, "--data-dir", dir);
            var first = await CliRunner.RunAsync("import", "reviews", good, "--source", "shop", "--map", "Stars=rating", "--data-dir", dir);
            var again = await CliRunner.RunAsync("import", "reviews", good, "--source", "shop", "--map", "Stars=rating", "--data-dir", dir);

            failed.ExitCode.ShouldBe(1);
            failed.Error.ShouldContain("bad.csv: line 3: rating: A review needs a rating.");
            failed.Error.ShouldContain("bad.csv: line 4: rating:");
            failed.Error.ShouldContain("bad.csv: line 4: date:");
            failed.Error.ShouldContain("3 invalid value(s) in bad.csv; nothing was imported.");
            first.ExitCode.ShouldBe(0, first.Error);
            first.Out.ShouldContain("Imported 2 reviews from good.csv");
            again.ExitCode.ShouldBe(0, again.Error);
            again.Out.ShouldContain("Imported 0 reviews");
            again.Out.ShouldContain("2 already imported");

            await using var db = TestDb.Open(new Storage(dir, null));
            var ws = await db.Workspaces.Select(w => w.Id).SingleAsync();
            await using var scoped = TestDb.Open(new Storage(dir, null), ws);
            var rows = await scoped.Feedback.OrderBy(f => f.ExternalId).Select(f => new { f.Source, f.ExternalId, f.Score, f.Product, f.Kind }).ToListAsync();
            rows.Select(r => (r.Source, r.ExternalId, r.Score, r.Product, r.Kind)).ShouldBe(
                [("shop", "g-1", (double?)5, "Kettle", FeedbackKinds.Review), ("shop", "g-2", 1, "Toaster", FeedbackKinds.Review)]);
            (await scoped.Texts.Select(t => t.Body).OrderBy(b => b).ToListAsync()).ShouldBe(["Fast, friendly and \"spot on\"", "Never arrived"]);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
