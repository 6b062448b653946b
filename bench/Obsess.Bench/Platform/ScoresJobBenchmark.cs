using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Data;
using Obsess.Features.Demo;
using Obsess.Features.Intelligence;
using Obsess.Hosting;

namespace Obsess.Bench.Platform;

/// <summary>
/// The scores job on the demo company: BG/NBD + Gamma-Gamma fits, a 26-week backtest, 5-fold CV and training of
/// the churn model, scoring and writing every customer. Usage: scores-job [--customers N] [--runs R].
/// </summary>
public sealed class ScoresJobBenchmark : IBenchmark
{
    public string Name => "scores-job";

    public string Description => "The nightly scores job (CLV + churn) on the demo company (SQLite)";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var customers = DemoLoadBenchmark.IntArg(args, "--customers", 10_000);
        var runs = DemoLoadBenchmark.IntArg(args, "--runs", 3);
        var services = new ServiceCollection();
        services.AddLogging();
        ObsessApp.AddServices(services, Storage.Create(BenchTemp.Directory("obsess-bench-"), null));
        await using var provider = services.BuildServiceProvider();
        var boot = await ObsessApp.InitializeAsync(provider).ConfigureAwait(false);
        await using (var scope = provider.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(boot.Workspace.Id);
            await scope.ServiceProvider.GetRequiredService<DemoLoader>().LoadAsync(customers, 42, replace: false).ConfigureAwait(false);
        }

        await output.WriteLineAsync("| run | customers | scored | churn ROC AUC (5-fold) | seconds |").ConfigureAwait(false);
        await output.WriteLineAsync("|---:|---:|---:|---:|---:|").ConfigureAwait(false);
        for (var run = 1; run <= runs; run++)
        {
            await using var scope = provider.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(boot.Workspace.Id);
            var watch = Stopwatch.StartNew();
            var result = await scope.ServiceProvider.GetRequiredService<ScoresService>().RecomputeAsync().ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {run} | {result.Customers:N0} | {result.Scored:N0} | {result.ChurnRocAuc:0.000} | {watch.Elapsed.TotalSeconds:0.00} |")).ConfigureAwait(false);
        }

        return 0;
    }
}
