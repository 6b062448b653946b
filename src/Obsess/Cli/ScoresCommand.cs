using System.CommandLine;
using Obsess.Features.Intelligence;

namespace Obsess.Cli;

/// <summary><c>obsess scores</c>: recompute predicted value and churn risk for every customer of the default workspace now.</summary>
internal static class ScoresCommand
{
    public static Command Create()
    {
        var command = new Command("scores", "Recompute every customer's lifetime value and churn risk now (the server also does this in the background)");
        command.SetAction(async (parse, ct) =>
        {
            await using var host = await CommandHost.OpenAsync(ObsessCli.StorageFrom(parse), ct).ConfigureAwait(false);
            var result = await host.Services.GetRequiredService<ScoresService>().RecomputeAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"Scored {result.Scored:N0} of {result.Customers:N0} customers in {result.Elapsed.TotalSeconds:0.0} s." +
                (result.ChurnRocAuc is { } auc ? $" Churn model: cross-validated ROC AUC {auc:0.000}." : ""));
            foreach (var skipped in new[] { result.ClvSkipped, result.ChurnSkipped }.OfType<string>())
            {
                Console.WriteLine(skipped);
            }

            return 0;
        });
        return command;
    }
}
