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

    public static string TempDir() => Directory.CreateTempSubdirectory("obsess-cli-").FullName;
}
