using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;
using Obsess.Features.Demo;
using Obsess.Features.Workspaces;
using Obsess.Hosting;

namespace Obsess.Tests.Infrastructure;

public sealed record TestUser(Guid Id, Guid WorkspaceId, string Email, string Password, string Role);

/// <summary>
/// One running app (in-process, on a <see cref="TestServer"/>) on one engine, shared by the tests of a class.
/// Tests isolate themselves by creating their own workspaces, users and keys, never by resetting the database.
/// </summary>
public abstract class ObsessAppFixture : IAsyncLifetime
{
    public const string ClientAddressHeader = "X-Test-Client-Address";
    public const int DemoCustomers = 200;
    public const int DemoSeed = 7;

    private readonly List<Storage> _databases = [];
    private readonly Lazy<Task<Guid>> _demo;
    private WebApplication? _app;

    protected ObsessAppFixture() => _demo = new(() => CreateWorkspaceAsync(DemoCustomers, DemoSeed));

    public abstract string Engine { get; }

    public WebApplication App => _app ?? throw new InvalidOperationException("The fixture is not initialised.");

    public Storage Storage { get; private set; } = null!;

    /// <summary>A workspace with the small demo company (200 customers, fixed seed), created once per fixture.</summary>
    public Task<Guid> DemoWorkspaceAsync() => _demo.Value;

    protected abstract Task<Storage> CreateStorageAsync();

    protected abstract Task DeleteStorageAsync(Storage storage);

    /// <summary>A fresh, empty database (no schema) on this fixture's engine, deleted with the fixture.</summary>
    public async Task<Storage> NewDatabaseAsync()
    {
        var storage = await CreateStorageAsync();
        lock (_databases)
        {
            _databases.Add(storage);
        }

        return storage;
    }

    public virtual async Task InitializeAsync()
    {
        Storage = await NewDatabaseAsync();
        _app = ObsessApp.Build(new ServeOptions { Storage = Storage }, b =>
        {
            b.WebHost.UseTestServer();
            b.Services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
            // Rules-only text engine (no training in tests); tests that need emotions give the engine a small model.
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Obsess:Text:DataRoot"] = SharedDataPath.Of(),
                ["Obsess:Text:Models"] = Path.Combine(Path.GetTempPath(), $"obsess-no-models-{Guid.NewGuid():N}"),
                ["Obsess:Text:Train"] = "false",
            });
        });
        await ObsessApp.InitializeAsync(_app.Services);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        foreach (var storage in _databases)
        {
            await DeleteStorageAsync(storage);
        }
    }

    /// <summary>Runs <paramref name="work"/> in a service scope acting in workspace <paramref name="workspaceId"/>.</summary>
    public async Task<T> InWorkspaceAsync<T>(Guid workspaceId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = App.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(workspaceId);
        return await work(scope.ServiceProvider);
    }

    public Task<T> QueryAsync<T>(Guid workspaceId, Func<ObsessDb, Task<T>> query) =>
        InWorkspaceAsync(workspaceId, sp => query(sp.GetRequiredService<ObsessDb>()));

    /// <summary>A new workspace, optionally with a small demo company of <paramref name="demoCustomers"/> customers.</summary>
    public async Task<Guid> CreateWorkspaceAsync(int demoCustomers = 0, int seed = 1)
    {
        var id = Guid.CreateVersion7();
        await InWorkspaceAsync(id, async sp =>
        {
            var db = sp.GetRequiredService<ObsessDb>();
            db.Workspaces.Add(new Workspace { Id = id, Slug = $"t-{id:N}", Name = $"Test {id:N}", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            if (demoCustomers > 0)
            {
                await sp.GetRequiredService<DemoLoader>().LoadAsync(demoCustomers, seed, replace: false);
            }

            return id;
        });
        return id;
    }

    public Task<CreatedApiKey> CreateApiKeyAsync(Guid workspaceId, string role) =>
        InWorkspaceAsync(workspaceId, sp => sp.GetRequiredService<ApiKeyService>().CreateAsync($"test {role} key", role, "test"));

    /// <summary>A user with a unique e-mail (sign-in looks e-mails up across workspaces). Costs one PBKDF2 hash.</summary>
    public async Task<TestUser> CreateUserAsync(Guid workspaceId, string role)
    {
        var email = $"{role}.{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        var created = await InWorkspaceAsync(workspaceId, sp => sp.GetRequiredService<UserService>().CreateAsync(email, $"Test {role}", role, password, "test"));
        return new TestUser(created!.Id, workspaceId, email, password, role);
    }

    /// <summary>A client without cookies, seen by the app as coming from its own address; with a bearer key when given.</summary>
    public HttpClient ApiClient(string? apiKey = null)
    {
        var client = App.GetTestClient();
        client.DefaultRequestHeaders.Add(ClientAddressHeader, NewClientAddress());
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>A client that sends <paramref name="writeKey"/> the way Segment's SDKs do: HTTP Basic, the key as user name, an empty password.</summary>
    public HttpClient WriteKeyClient(string writeKey)
    {
        var client = ApiClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(writeKey + ":")));
        return client;
    }

    /// <summary>A new ingest key for the workspace and a client sending it as <see cref="WriteKeyClient"/> does.</summary>
    public async Task<HttpClient> IngestClientAsync(Guid workspaceId) =>
        WriteKeyClient((await CreateApiKeyAsync(workspaceId, Roles.Ingest)).Key);

    /// <summary>A new workspace and an ingest client for it.</summary>
    public async Task<(Guid Ws, HttpClient Writer)> IngestWorkspaceAsync()
    {
        var ws = await CreateWorkspaceAsync();
        return (ws, await IngestClientAsync(ws));
    }

    /// <summary>A client that keeps cookies like a browser, from its own address.</summary>
    public BrowserClient Browser() => new(App.GetTestServer(), NewClientAddress());

    private static string NewClientAddress() =>
        new IPAddress([10, (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(1, 255)]).ToString();

    /// <summary>
    /// The test server reports no client address, so every test client would share one rate-limit partition.
    /// Each test client says which address it stands for, the way a trusted proxy's forwarded header would.
    /// </summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientAddressHeader].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>SQLite: the data file lives in a temporary data folder.</summary>
public sealed class SqliteAppFixture : ObsessAppFixture
{
    public override string Engine => "sqlite";

    protected override Task<Storage> CreateStorageAsync() =>
        Task.FromResult(new Storage(Path.Combine(Path.GetTempPath(), $"obsess-tests-{Guid.NewGuid():N}"), null));

    protected override Task DeleteStorageAsync(Storage storage)
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(storage.DataDir))
        {
            Directory.Delete(storage.DataDir, recursive: true);
        }

        return Task.CompletedTask;
    }
}

/// <summary>PostgreSQL: a fresh database with a random name on the test server (see <see cref="PostgresServer"/>).</summary>
public sealed class PostgresAppFixture : ObsessAppFixture
{
    public override string Engine => "postgresql";

    // Through Storage.Create, as the app's --database option goes: the same connection settings as production.
    protected override async Task<Storage> CreateStorageAsync() =>
        Storage.Create(Path.GetTempPath(), await PostgresServer.CreateDatabaseAsync());

    protected override Task DeleteStorageAsync(Storage storage) => PostgresServer.DropDatabaseAsync(storage.PostgresConnectionString!);
}

/// <summary>An <see cref="ObsessDb"/> opened directly on a storage, acting in one workspace (or none).</summary>
public static class TestDb
{
    public static ObsessDb Open(Storage storage, Guid? workspaceId = null)
    {
        var options = new DbContextOptionsBuilder<ObsessDb>();
        storage.Configure(options);
        return new ObsessDb(options.Options, new FixedWorkspace(workspaceId));
    }

    private sealed class FixedWorkspace(Guid? id) : ICurrentWorkspace
    {
        public Guid? Id => id;
    }
}
