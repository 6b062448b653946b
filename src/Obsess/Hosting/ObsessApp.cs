using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Obsess.Components;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;
using Obsess.Features.Customers;
using Obsess.Features.Dashboard;
using Obsess.Features.Feedback;
using Obsess.Features.Demo;
using Obsess.Features.Ingestion;
using Obsess.Features.Intelligence;
using Obsess.Features.Surveys;
using Obsess.Features.Texts;
using Obsess.Features.Workspaces;

namespace Obsess.Hosting;

/// <summary>How to run the web app: what the serve verb's options say.</summary>
public sealed record ServeOptions
{
    public required Storage Storage { get; init; }

    public string Urls { get; init; } = "http://localhost:5000";

    public string EnvironmentName { get; init; } = Environments.Production;

    /// <summary>Run the background jobs (score recomputation). `serve` turns them on; tests start the app without them.</summary>
    public bool BackgroundJobs { get; init; }
}

/// <summary>Builds the web app: UI, REST API, ingestion and background jobs in one process.</summary>
public static class ObsessApp
{
    public static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "obsess",
            EnvironmentName = options.EnvironmentName,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The key ring lives in the database (shared by every node); protecting it at rest is the database's job.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);

        AddServices(builder.Services, options.Storage);
        if (options.BackgroundJobs)
        {
            builder.Services.AddHostedService<Features.Intelligence.ScoresJob>();
            builder.Services.AddHostedService<Features.Texts.TextAnalysisJob>();
            builder.Services.AddHostedService<Features.FollowUps.FollowUpJob>();
            builder.Services.AddHostedService<Features.Invitations.InvitationJob>();
            if (!options.Storage.IsPostgres)
            {
                builder.Services.AddHostedService<SqliteCheckpointer>();
            }
        }

        configure?.Invoke(builder);

        var app = builder.Build();
        MapEndpoints(app);
        return app;
    }

    public static void AddServices(IServiceCollection services, Storage storage)
    {
        services.AddSingleton(storage);
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        // The options are built once: building them for every request's context (provider, connection string,
        // warnings) cost a measurable share of a profile request's CPU.
        services.AddDbContext<ObsessDb>(storage.Configure, ServiceLifetime.Scoped, ServiceLifetime.Singleton);
        services.AddScoped<CurrentWorkspace>();
        services.AddScoped<ICurrentWorkspace>(sp => sp.GetRequiredService<CurrentWorkspace>());
        services.AddScoped<UserService>();
        services.AddScoped<SignInService>();
        services.AddScoped<ApiKeyService>();
        services.AddSingleton<ApiKeyCache>();
        services.AddScoped<CustomerQueries>();
        services.AddScoped<MergeService>();
        services.AddScoped<CustomerErasure>();
        services.AddScoped<DashboardQueries>();
        services.AddScoped<DemoLoader>();
        services.AddScoped<Features.Ingestion.IngestionService>();
        services.AddScoped<Features.Import.ImportService>();
        services.AddScoped<Features.Intelligence.ScoresService>();
        services.AddScoped<Features.Intelligence.InsightsQueries>();
        services.AddSurveys();
        services.AddScoped<Features.Feedback.FeedbackQueries>();
        services.AddScoped<Features.Feedback.ReviewImportService>();
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<IConfiguration>();
            return new Features.Texts.TextEngineSettings
            {
                DataRoot = config["Obsess:Text:DataRoot"],
                ModelsDir = config["Obsess:Text:Models"] ?? Path.Combine(storage.DataDir, "text-models"),
                Train = config.GetValue("Obsess:Text:Train", true),
            };
        });
        services.AddSingleton<Features.Texts.TextEngine>();
        services.AddScoped<Features.Texts.TextAnalysisService>();
        services.AddScoped<Features.Texts.TextQueries>();
        services.AddScoped<Features.Feedback.CustomerFeedback>();
        services.AddScoped<Features.FollowUps.FollowUpService>();
        services.AddScoped<Features.FollowUps.FollowUpTasks>();
        services.AddScoped<Features.FollowUps.FollowUpReports>();
        services.AddSingleton<SigningKeys>();
        services.AddScoped<Features.Invitations.InvitationService>();
        services.AddScoped<Features.Invitations.ISurveyLinkIssuer, Features.Invitations.SurveyLinkIssuer>();
        services.AddHttpClient(Features.Invitations.InvitationService.WebhookClient, c => c.Timeout = TimeSpan.FromSeconds(15));

        services.AddDataProtection().SetApplicationName("obsess");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new DatabaseXmlRepository(sp)));

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = "smart";
                o.DefaultChallengeScheme = "smart";
            })
            // The tracking API (/v1) takes keys only, never the sign-in cookie: a page on another site cannot send
            // events as the signed-in user.
            .AddPolicyScheme("smart", "Cookie or API key", o => o.ForwardDefaultSelector = ctx =>
                ApiKeyAuthenticationHandler.IsSdkPath(ctx.Request.Path) || ApiKeyAuthenticationHandler.KeyFrom(ctx.Request.Headers.Authorization.ToString()) is not null
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "obsess.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.LoginPath = "/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/denied";
                o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = RevalidateUserAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Viewer, p => p.RequireRole(Roles.Admin, Roles.Manager, Roles.Agent, Roles.Viewer))
            .AddPolicy(Policies.Agent, p => p.RequireRole(Roles.Admin, Roles.Manager, Roles.Agent))
            .AddPolicy(Policies.Manager, p => p.RequireRole(Roles.Admin, Roles.Manager))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Ingest, p => p.RequireRole(Roles.Ingest, Roles.Admin));

        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions["traceId"] = ctx.HttpContext.TraceIdentifier);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per client address: 10 sign-in attempts a minute, on top of the per-account lockout.
            o.AddPolicy("login", ctx => RateLimitPartition.GetFixedWindowLimiter(
                ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            // Per API key: a generous token bucket that stops a runaway sender without slowing real traffic.
            o.AddPolicy("ingest", ctx => RateLimitPartition.GetTokenBucketLimiter(
                ctx.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions { TokenLimit = 1000, TokensPerPeriod = 500, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0 }));
            o.OnRejected = async (ctx, ct) =>
            {
                // The limiter's own wait when it knows one (the ingest token bucket refills every second), else a
                // minute. Segment's browser SDK reads X-RateLimit-Reset (seconds) for its batches' next try.
                var wait = RetrySeconds(ctx.Lease);
                ctx.HttpContext.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
                ctx.HttpContext.Response.Headers["X-RateLimit-Reset"] = wait.ToString(CultureInfo.InvariantCulture);
                if (ctx.HttpContext.Request.HasFormContentType && !ctx.HttpContext.Request.Path.StartsWithSegments("/api"))
                {
                    ctx.HttpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
                    ctx.HttpContext.Response.Headers.Location = "/login?error=throttled";
                    return;
                }

                await Results.Problem(statusCode: 429, title: "Too many requests", detail: "Slow down and try again in a minute.")
                    .ExecuteAsync(ctx.HttpContext).ConfigureAwait(false);
            };
        });
        // The tracking API takes gzip, deflate or brotli bodies (Segment's iOS and Android SDKs and RudderStack's send
        // gzip), and calls from any web page (Segment's and RudderStack's browser SDKs post across origins).
        services.AddRequestDecompression();
        services.AddCors(o => o.AddPolicy(Features.Ingestion.IngestionApi.CorsPolicy, p => p
            .AllowAnyOrigin()
            .WithMethods("POST", "GET")
            // Any request header: RudderStack's browser SDK adds its own (AnonymousId, SentAt, RSA-Request-Attempt,
            // RSA-Since-Last-Attempt, …), and without cookies a header grants nothing the write key does not.
            .AllowAnyHeader()
            .WithExposedHeaders("Retry-After", "X-RateLimit-Reset")
            .SetPreflightMaxAge(TimeSpan.FromDays(1))));
        services.AddAntiforgery(o => o.Cookie.Name = "obsess.af");
        services.AddOpenApi(o => o.AddDocumentTransformer<OpenApiDocumentTransformer>());
        services.AddRazorComponents();
    }

    /// <summary>Whole seconds until a refused request may be tried again: the limiter's own figure, else a minute.</summary>
    internal static int RetrySeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 60;

    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/v1"))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>A cookie outlives a role change or a disabled account only until the next request.</summary>
    private static async Task RevalidateUserAsync(CookieValidatePrincipalContext ctx)
    {
        var principal = ctx.Principal;
        if (!Guid.TryParse(principal?.FindFirstValue(ObsessClaims.Workspace), out var ws)
            || !Guid.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
        {
            ctx.RejectPrincipal();
            return;
        }

        var db = ctx.HttpContext.RequestServices.GetRequiredService<ObsessDb>();
        var user = await db.Users.IgnoreQueryFilters().AsNoTracking()
            .FirstOrDefaultAsync(u => u.WorkspaceId == ws && u.Id == id).ConfigureAwait(false);
        if (user is null || user.Disabled)
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        }
        else if (user.Role != principal!.FindFirstValue(ClaimTypes.Role) || user.Name != principal.FindFirstValue(ClaimTypes.Name))
        {
            ctx.ReplacePrincipal(SignInService.PrincipalFor(user));
            ctx.ShouldRenew = true;
        }
    }

    public static void MapEndpoints(WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = StatusFor });
        // Machine paths answer Problem Details. A page a person asked for (GET) shows the not-found page; a form
        // post that failed (e.g. an expired antiforgery token) is not re-executed, since that would replay the post.
        app.UseWhen(
            ctx => IsMachinePath(ctx.Request.Path) || !HttpMethods.IsGet(ctx.Request.Method),
            branch => branch.UseStatusCodePages());
        app.UseWhen(
            ctx => !IsMachinePath(ctx.Request.Path) && HttpMethods.IsGet(ctx.Request.Method),
            branch => branch.UseStatusCodePagesWithReExecute("/not-found"));
        app.UseMiddleware<SecurityHeaders>();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseCors();
        // Before authentication, which may read a /v1 body for its write key. Only the SDKs' paths unpack bodies.
        app.UseWhen(ctx => ApiKeyAuthenticationHandler.IsSdkPath(ctx.Request.Path), branch => branch.UseRequestDecompression());
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapHealth();
        app.MapOpenApi();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "Obsess API v1");
            o.RoutePrefix = "api/docs";
            o.DocumentTitle = "Obsess API";
        });

        app.MapAccountEndpoints();
        var api = app.MapGroup("/api").RequireAuthorization(Policies.Viewer);
        api.MapMeApi();
        api.MapUsersApi();
        api.MapApiKeysApi();
        api.MapCustomersApi();
        api.MapDashboardApi();
        api.MapWorkspaceApi();
        api.MapIntelligenceApi();
        api.MapHealthConfigApi();
        api.MapSurveysApi();
        api.MapFeedbackApi();
        app.MapReviewsApi();
        api.MapTextsApi();
        Features.FollowUps.FollowUpsApi.MapFollowUpsApi(api);
        Features.Invitations.InvitationsApi.MapInvitationsApi(api);

        app.MapIngestionApi();
        app.MapSdkSettingsApi();
        app.MapPublicSurveyApi();
        app.MapRazorComponents<App>();
    }

    internal static bool IsMachinePath(PathString path) =>
        path.StartsWithSegments("/api") || ApiKeyAuthenticationHandler.IsSdkPath(path) || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/healthz");

    private static int StatusFor(Exception e) => e switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        OperationCanceledException => 499,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Migrates the schema, creates the default workspace and admin, and loads the demo company if asked.</summary>
    public static async Task<Features.Workspaces.BootstrapResult> InitializeAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using (var scope = services.CreateScope())
        {
            await Migrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<ObsessDb>(), ct: ct).ConfigureAwait(false);
        }

        return await Features.Workspaces.Bootstrap.EnsureAsync(
            services,
            Environment.GetEnvironmentVariable("OBSESS_ADMIN_EMAIL"),
            Environment.GetEnvironmentVariable("OBSESS_ADMIN_PASSWORD"),
            ct).ConfigureAwait(false);
    }
}
