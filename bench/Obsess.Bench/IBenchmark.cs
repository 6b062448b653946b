namespace Obsess.Bench;

/// <summary>
/// One named benchmark. Each is found by reflection, so a new benchmark is one new file:
/// run it with <c>dotnet run -c Release --project bench/Obsess.Bench -- NAME [args]</c>.
/// </summary>
public interface IBenchmark
{
    string Name { get; }

    string Description { get; }

    /// <summary>Runs the benchmark and prints its figures (Markdown, ready for docs/benchmarks.md).</summary>
    Task<int> RunAsync(string[] args, TextWriter output);
}
