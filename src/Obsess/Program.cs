using Obsess.Cli;

return await ObsessCli.RunAsync(args).ConfigureAwait(false);
