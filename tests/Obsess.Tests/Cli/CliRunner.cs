using Obsess.Cli;

namespace Obsess.Tests.Cli;

public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}

/// <summary>Runs <c>obsess args</c> in process with its own output writers (no console redirection, so tests may run in parallel).</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ObsessCli.RunAsync(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>The reference data folder (../shared/data beside the repository, or OBSESS_SHARED_DATA); read, never copied.</summary>
    public static string SharedData(string relative = "") => Infrastructure.SharedDataPath.Of(relative);

    private static readonly Lazy<string> Root = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("obsess-cli-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // pooled connections keep database files open
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Left for the system's temporary-file cleaning; never fail a test run over it.
            }
        };
        return root;
    });

    /// <summary>A new empty folder, under one per test run that is deleted when the run ends.</summary>
    public static string TempDir() => Directory.CreateDirectory(Path.Combine(Root.Value, Guid.NewGuid().ToString("N")[..12])).FullName;
}
