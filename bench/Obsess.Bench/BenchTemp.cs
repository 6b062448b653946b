using Microsoft.Data.Sqlite;

namespace Obsess.Bench;

/// <summary>
/// Temporary data folders for benchmark databases, deleted when the process exits (a million-event SQLite database
/// is ~0.7 GB, and repeated runs used to fill the disk). Set OBSESS_BENCH_KEEP=1 to keep them for inspection.
/// </summary>
public static class BenchTemp
{
    private static readonly List<string> Created = [];

    static BenchTemp() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteAll();

    /// <summary>A new, empty folder under the system's temporary folder.</summary>
    public static string Directory(string prefix)
    {
        var path = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        lock (Created)
        {
            Created.Add(path);
        }

        return path;
    }

    private static void DeleteAll()
    {
        if (Environment.GetEnvironmentVariable("OBSESS_BENCH_KEEP") == "1")
        {
            return;
        }

        SqliteConnection.ClearAllPools(); // pooled connections keep the files open
        lock (Created)
        {
            foreach (var path in Created)
            {
                try
                {
                    System.IO.Directory.Delete(path, recursive: true);
                }
                catch (IOException e)
                {
                    Console.Error.WriteLine($"could not delete {path}: {e.Message}");
                }
                catch (UnauthorizedAccessException e)
                {
                    Console.Error.WriteLine($"could not delete {path}: {e.Message}");
                }
            }
        }
    }
}
