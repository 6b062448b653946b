namespace Obsess.Analytics.Tests;

/// <summary>Locates the reference data sets in ../shared/data beside the repository (read at run time, never copied in).</summary>
public static class SharedData
{
    public static string PathOf(string relative)
    {
        var env = Environment.GetEnvironmentVariable("OBSESS_SHARED_DATA");
        if (!string.IsNullOrEmpty(env))
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

        throw new FileNotFoundException(
            $"Reference data '{relative}' not found: expected ../shared/data beside the repository, or set OBSESS_SHARED_DATA.");
    }
}
