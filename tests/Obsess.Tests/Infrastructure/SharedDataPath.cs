namespace Obsess.Tests.Infrastructure;

/// <summary>Finds the reference data in ../shared/data beside the repository (read at run time, never copied in).</summary>
public static class SharedDataPath
{
    public static string Of(string relative = "")
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
}
