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
    public static string SharedData(string relative = "")
    {
        if (Environment.GetEnvironmentVariable("OBSESS_SHARED_DATA") is { Length: > 0 } env)
        {
            return Path.Combine(env, relative);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", relative);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"Reference data '{relative}' not found: expected ../shared/data beside the repository, or set OBSESS_SHARED_DATA.");
    }

    public static string TempDir() => Directory.CreateTempSubdirectory("obsess-cli-").FullName;
}
