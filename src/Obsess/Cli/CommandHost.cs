using Obsess.Data;
using Obsess.Features.Workspaces;
using Obsess.Hosting;

namespace Obsess.Cli;

/// <summary>
/// What a command-line verb (or a benchmark) needs: the same services as the web app without a server, a migrated
/// database and the default workspace chosen as the current one.
/// </summary>
public sealed class CommandHost : IAsyncDisposable
{
    private readonly ServiceProvider _root;
    private readonly AsyncServiceScope _scope;

    private CommandHost(ServiceProvider root)
    {
        _root = root;
        _scope = root.CreateAsyncScope();
    }

    public IServiceProvider Services => _scope.ServiceProvider;

    public static async Task<CommandHost> OpenAsync(Storage storage, CancellationToken ct = default)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        ObsessApp.AddServices(services, storage);
        var host = new CommandHost(services.BuildServiceProvider());
        var boot = await ObsessApp.InitializeAsync(host._root, ct).ConfigureAwait(false);
        if (boot.CreatedAdmin)
        {
            await Console.Error.WriteLineAsync(boot.GeneratedPassword is null
                ? $"Created the admin {boot.AdminEmail}."
                : $"Created the admin {boot.AdminEmail} with the password {boot.GeneratedPassword} (shown only this once).").ConfigureAwait(false);
        }

        host.Services.GetRequiredService<CurrentWorkspace>().Use(boot.Workspace.Id);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _scope.DisposeAsync().ConfigureAwait(false);
        await _root.DisposeAsync().ConfigureAwait(false);
    }
}
