using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Obsess.Data;
using Obsess.Features.Demo;
using Obsess.Hosting;

namespace Obsess.Browser.Tests;

/// <summary>
/// The real app on Kestrel (a random local port, SQLite in a temporary folder, a small demo company) and Debian's
/// Chromium driven by Playwright. Shared by every browser test; each test opens its own browser context.
/// </summary>
public sealed class ObsessServer : IAsyncLifetime
{
    public const int DemoCustomers = 300;
    public const int DemoSeed = 7;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "obsess-browser-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private IPlaywright? _playwright;

    public Uri BaseUrl { get; private set; } = null!;

    public string AdminEmail { get; private set; } = "";

    public string AdminPassword { get; private set; } = "";

    /// <summary>A demo customer with a name and an e-mail (the first by e-mail, so the choice is stable).</summary>
    public (Guid Id, string Name, string Email) Customer { get; private set; }

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDir);
        // The text engine runs rules-only here (training takes a minute); the reference data is found beside the repository.
        _app = ObsessApp.Build(
            new ServeOptions { Storage = Storage.Create(_dataDir, null), Urls = "http://127.0.0.1:0" },
            b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Obsess:Text:Train"] = "false" }));
        var boot = await ObsessApp.InitializeAsync(_app.Services);
        AdminEmail = boot.AdminEmail ?? Environment.GetEnvironmentVariable("OBSESS_ADMIN_EMAIL") ?? "";
        AdminPassword = boot.GeneratedPassword ?? Environment.GetEnvironmentVariable("OBSESS_ADMIN_PASSWORD")
            ?? throw new InvalidOperationException("The admin already existed and OBSESS_ADMIN_PASSWORD is not set: no password to sign in with.");
        AdminEmail.ShouldNotBeNullOrEmpty();

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(boot.Workspace.Id);
            await scope.ServiceProvider.GetRequiredService<DemoLoader>().LoadAsync(DemoCustomers, DemoSeed, replace: true);
            var texts = await scope.ServiceProvider.GetRequiredService<Obsess.Features.Texts.TextAnalysisService>().RunAsync();
            texts.Analyzed.ShouldBeGreaterThan(0);
            await scope.ServiceProvider.GetRequiredService<Obsess.Features.Intelligence.ScoresService>().RecomputeAsync();
            var db = scope.ServiceProvider.GetRequiredService<ObsessDb>();
            var c = await db.Customers.AsNoTracking()
                .Where(c => c.Name != null && c.Email != null)
                .OrderBy(c => c.Email)
                .FirstAsync();
            Customer = (c.Id, c.Name!, c.Email!);
        }

        await _app.StartAsync();
        BaseUrl = new Uri(_app.Urls.Single());

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    public async Task<IPage> NewPageAsync()
    {
        // BypassCSP lets the tests inject axe-core into pages whatever the app's script policy says.
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl.ToString(),
            BypassCSP = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the form, by keyboard: the e-mail field has focus on arrival.</summary>
    public async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("/login");
        // Autofocus lands a moment after load: type only once it has, or the first keys go nowhere.
        await Assertions.Expect(page.Locator("#email")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(AdminEmail);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(AdminPassword);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/");
    }

    /// <summary>A new, empty workspace beside the demo company's, for tests that must not change what the others see.</summary>
    public Task<Guid> CreateWorkspaceAsync()
    {
        var id = Guid.CreateVersion7();
        return InWorkspaceAsync(id, async sp =>
        {
            var db = sp.GetRequiredService<ObsessDb>();
            db.Workspaces.Add(new Obsess.Features.Workspaces.Workspace { Id = id, Slug = $"b-{id:N}", Name = $"Browser test {id:N}", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            return id;
        });
    }

    /// <summary>A new API key of the workspace (e.g. a write key for the tracking API), as its owner would create it.</summary>
    public async Task<string> CreateApiKeyAsync(Guid workspaceId, string name, string role) =>
        (await InWorkspaceAsync(workspaceId, sp => sp.GetRequiredService<Obsess.Features.ApiKeys.ApiKeyService>().CreateAsync(name, role, "browser tests"))).Key;

    /// <summary>The workspace's stored events whose name contains <paramref name="run"/>: name, source and channel.</summary>
    public Task<List<(string Name, string Source, string Channel)>> EventsAsync(Guid workspaceId, string run) =>
        InWorkspaceAsync(workspaceId, async sp =>
        {
            var rows = await sp.GetRequiredService<ObsessDb>().Events.AsNoTracking()
                .Where(e => e.Name.Contains(run))
                .Select(e => new { e.Name, e.Source, e.Channel })
                .ToListAsync();
            return rows.ConvertAll(r => (r.Name, r.Source, r.Channel));
        });

    /// <summary>The e-mails of the workspace's live customers.</summary>
    public Task<List<string>> CustomerEmailsAsync(Guid workspaceId) =>
        InWorkspaceAsync(workspaceId, sp => sp.GetRequiredService<ObsessDb>().Customers.AsNoTracking()
            .Where(c => c.MergedIntoId == null && c.Email != null)
            .OrderBy(c => c.Email)
            .Select(c => c.Email!)
            .ToListAsync());

    private async Task<T> InWorkspaceAsync<T>(Guid workspaceId, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _app!.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Use(workspaceId);
        return await work(scope.ServiceProvider);
    }

    /// <summary>Debian's Chromium: OBSESS_CHROMIUM, else `chromium` on the PATH, else /usr/bin/chromium. Never a download.</summary>
    private static string ChromiumPath()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("OBSESS_CHROMIUM") is { Length: > 0 } fromEnv)
        {
            if (!File.Exists(fromEnv))
            {
                throw new InvalidOperationException($"OBSESS_CHROMIUM is {fromEnv}, but there is no such file.");
            }

            return fromEnv;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(dir, "chromium"));
        }

        candidates.Add("/usr/bin/chromium");
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "No Chromium found for the browser tests. Install Debian's with ../shared/scripts/chromium-path " +
                "(or apt-get install chromium), or set OBSESS_CHROMIUM to its path.");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is not worth failing the run for.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<ObsessServer>
{
    public const string Name = "browser";
}
