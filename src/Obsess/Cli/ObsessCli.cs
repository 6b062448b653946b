using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;
using Obsess.Features.Demo;
using Obsess.Hosting;
using Spectre.Console;

namespace Obsess.Cli;

/// <summary>
/// The one executable: <c>obsess [serve]</c>, <c>obsess demo</c>, <c>obsess keys</c>. Every verb accepts --data-dir and
/// --database (also OBSESS_DATABASE). Expected failures (bad options, unreachable database) print one clear line
/// and exit non-zero; they never show a stack trace.
/// </summary>
public static class ObsessCli
{
    private static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "Folder for the embedded SQLite database and local files",
        DefaultValueFactory = _ => "./data",
        Recursive = true,
    };

    private static readonly Option<string?> Database = new("--database")
    {
        Description = "PostgreSQL connection string (default: embedded SQLite in --data-dir; also OBSESS_DATABASE)",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var root = new RootCommand("Obsess: the self-hosted customer-obsession platform. With no verb, runs `serve`.");
        root.Options.Add(DataDir);
        root.Options.Add(Database);

        var serve = ServeCommand();
        root.Subcommands.Add(serve);
        foreach (var option in serve.Options)
        {
            root.Options.Add(option);
        }

        root.SetAction(ServeAsync);
        root.Subcommands.Add(DemoCommand());
        root.Subcommands.Add(KeysCommand());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ScoresCommand.Create());
        root.Subcommands.Add(ClvCommand.Create());
        root.Subcommands.Add(ChurnCommand.Create());
        root.Subcommands.Add(TextCommand.Create());

        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = output ?? Console.Out,
                Error = error ?? Console.Error,
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (IsExpected(e))
        {
            await (error ?? Console.Error).WriteLineAsync($"obsess: {Describe(e)}").ConfigureAwait(false);
            return 1;
        }
    }

    internal static Storage StorageFrom(ParseResult parse) =>
        Storage.Create(parse.GetValue(DataDir), parse.GetValue(Database) ?? Environment.GetEnvironmentVariable("OBSESS_DATABASE"));

    private static readonly Option<string> Urls = new("--urls") { Description = "Addresses to listen on", DefaultValueFactory = _ => "http://localhost:5000" };

    private static readonly Option<bool> NoDemo = new("--no-demo") { Description = "Do not load the demo company into an empty workspace" };

    private static Command ServeCommand()
    {
        var command = new Command("serve", "Run the web UI, the REST API and the background jobs (the default verb)") { Urls, NoDemo };
        command.SetAction(ServeAsync);
        return command;
    }

    private static async Task<int> ServeAsync(ParseResult parse, CancellationToken ct)
    {
        {
            var storage = StorageFrom(parse);
            await using var app = ObsessApp.Build(new ServeOptions { Storage = storage, Urls = parse.GetValue(Urls)!, BackgroundJobs = true });
            var boot = await ObsessApp.InitializeAsync(app.Services, ct).ConfigureAwait(false);
            if (!parse.GetValue(NoDemo))
            {
                await using var scope = app.Services.CreateAsyncScope();
                scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(boot.Workspace.Id);
                var loader = scope.ServiceProvider.GetRequiredService<DemoLoader>();
                if (!await loader.HasCustomersAsync(ct).ConfigureAwait(false))
                {
                    var result = await LoadWithProgressAsync(loader, DemoDefaults.Customers, DemoDefaults.Seed, replace: false, ct).ConfigureAwait(false);
                    AnsiConsole.MarkupLine($"Loaded the demo company: {result.Customers:N0} customers, {result.Orders:N0} orders, {result.Events:N0} events, {result.Reviews:N0} reviews in {result.Elapsed.TotalSeconds:0.0} s.");
                }
            }

            await app.StartAsync(ct).ConfigureAwait(false);
            var addresses = string.Join(", ", app.Urls);
            AnsiConsole.MarkupLine($"[bold]Obsess is running[/] at [link]{Markup.Escape(addresses)}[/] on {Markup.Escape(storage.Describe())}.");
            if (boot.CreatedAdmin)
            {
                AnsiConsole.MarkupLine($"Sign in as [bold]{Markup.Escape(boot.AdminEmail!)}[/]" +
                    (boot.GeneratedPassword is null ? " with the password from OBSESS_ADMIN_PASSWORD." : $" with the password [bold]{Markup.Escape(boot.GeneratedPassword)}[/] (shown only this once; it is stored hashed)."));
            }

            AnsiConsole.MarkupLine("Press Ctrl+C to stop.");
            await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return 0;
        }
    }

    private static Command DemoCommand()
    {
        var customers = new Option<int>("--customers") { Description = "How many customers to generate", DefaultValueFactory = _ => DemoDefaults.Customers };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same company", DefaultValueFactory = _ => DemoDefaults.Seed };
        var replace = new Option<bool>("--replace") { Description = "Delete the workspace's customers, orders and events first" };
        customers.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 2_000_000)
            {
                r.AddError("--customers must be between 1 and 2,000,000.");
            }
        });
        var command = new Command("demo", "Load a realistic synthetic company (web shop, stores, support desk, newsletter)") { customers, seed, replace };
        command.SetAction(async (parse, ct) =>
        {
            await using var host = await CommandHost.OpenAsync(StorageFrom(parse), ct).ConfigureAwait(false);
            var loader = host.Services.GetRequiredService<DemoLoader>();
            var result = await LoadWithProgressAsync(loader, parse.GetValue(customers), parse.GetValue(seed), parse.GetValue(replace), ct).ConfigureAwait(false);
            AnsiConsole.MarkupLine($"Loaded {result.Customers:N0} customers, {result.Identities:N0} identities, {result.Orders:N0} orders, {result.Events:N0} events and {result.Reviews:N0} reviews in {result.Elapsed.TotalSeconds:0.00} s.");
            return 0;
        });
        return command;
    }

    private static Command KeysCommand()
    {
        var keys = new Command("keys", "Manage API keys (shown once at creation, stored hashed)");

        var name = new Option<string>("--name") { Description = "What the key is for", Required = true };
        var role = new Option<string>("--role") { Description = "admin, manager, agent, viewer or ingest (ingestion API only)", Required = true };
        role.AcceptOnlyFromAmong([.. Roles.KeyRoles]);
        var create = new Command("create", "Create a key and print it once") { name, role };
        create.SetAction(async (parse, ct) =>
        {
            await using var host = await CommandHost.OpenAsync(StorageFrom(parse), ct).ConfigureAwait(false);
            var errors = ApiKeyService.Validate(parse.GetValue(name), parse.GetValue(role));
            if (errors.Count > 0)
            {
                await Console.Error.WriteLineAsync($"obsess: --{errors.First().Key}: {errors.First().Value[0]}").ConfigureAwait(false);
                return 1;
            }

            var created = await host.Services.GetRequiredService<ApiKeyService>().CreateAsync(parse.GetValue(name)!, parse.GetValue(role)!, "cli", ct).ConfigureAwait(false);
            Console.WriteLine(created.Key);
            await Console.Error.WriteLineAsync($"Created key {created.Id} ({created.Role}). Store it now: it is not shown again.").ConfigureAwait(false);
            return 0;
        });

        var list = new Command("list", "List keys (without their secrets)");
        list.SetAction(async (parse, ct) =>
        {
            await using var host = await CommandHost.OpenAsync(StorageFrom(parse), ct).ConfigureAwait(false);
            var table = new Table().AddColumns("Id", "Name", "Role", "Prefix", "Created", "Last used", "Revoked");
            foreach (var k in await host.Services.GetRequiredService<ApiKeyService>().ListAsync(ct).ConfigureAwait(false))
            {
                table.AddRow(k.Id.ToString(), Markup.Escape(k.Name), k.Role, k.Prefix, $"{k.CreatedAt:u}", k.LastUsedAt?.ToString("u") ?? "never", k.RevokedAt?.ToString("u") ?? "");
            }

            AnsiConsole.Write(table);
            return 0;
        });

        var id = new Argument<Guid>("ID") { Description = "The key's id (from `keys list`)" };
        var revoke = new Command("revoke", "Revoke a key: it stops working at once") { id };
        revoke.SetAction(async (parse, ct) =>
        {
            await using var host = await CommandHost.OpenAsync(StorageFrom(parse), ct).ConfigureAwait(false);
            if (!await host.Services.GetRequiredService<ApiKeyService>().RevokeAsync(parse.GetValue(id), "cli", ct).ConfigureAwait(false))
            {
                await Console.Error.WriteLineAsync($"obsess: no API key with id {parse.GetValue(id)} in this workspace.").ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine($"Revoked {parse.GetValue(id)}.");
            return 0;
        });

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(list);
        keys.Subcommands.Add(revoke);
        return keys;
    }

    internal static async Task<DemoLoadResult> LoadWithProgressAsync(DemoLoader loader, int customers, int seed, bool replace, CancellationToken ct)
    {
        if (Console.IsOutputRedirected)
        {
            return await loader.LoadAsync(customers, seed, replace, null, ct).ConfigureAwait(false);
        }

        DemoLoadResult? result = null;
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
        {
            var task = ctx.AddTask("Demo company", maxValue: 1);
            result = await loader.LoadAsync(customers, seed, replace, (stage, fraction) =>
            {
                task.Description = stage;
                task.Value = stage == "Generating" ? fraction * 0.3 : 0.3 + fraction * 0.7;
            }, ct).ConfigureAwait(false);
            task.Value = 1;
        }).ConfigureAwait(false);
        return result!;
    }

    private static bool IsExpected(Exception e) =>
        e is StorageException or InvalidOperationException or System.Data.Common.DbException or DbUpdateException or IOException or UnauthorizedAccessException or TimeoutException
        || e.InnerException is System.Data.Common.DbException or System.Net.Sockets.SocketException or TimeoutException;

    private static string Describe(Exception e) => e switch
    {
        StorageException => e.Message,
        _ when e.InnerException is System.Net.Sockets.SocketException or TimeoutException || e is System.Data.Common.DbException || e.InnerException is System.Data.Common.DbException
            => $"cannot use the database: {(e.InnerException ?? e).Message}",
        _ => e.Message,
    };
}

public static class DemoDefaults
{
    public const int Customers = 10_000;
    public const int Seed = 42;
}
