using System.Reflection;
using Obsess.Bench;

var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/Obsess.Bench -- NAME [args]");
    foreach (var b in benchmarks)
    {
        Console.WriteLine($"  {b.Name,-24} {b.Description}");
    }

    return args.Length == 0 ? 2 : 0;
}

var chosen = benchmarks.FirstOrDefault(b => string.Equals(b.Name, args[0], StringComparison.OrdinalIgnoreCase));
if (chosen is null)
{
    await Console.Error.WriteLineAsync($"unknown benchmark '{args[0]}'; run with --help to list them").ConfigureAwait(false);
    return 2;
}

return await chosen.RunAsync(args[1..], Console.Out).ConfigureAwait(false);
