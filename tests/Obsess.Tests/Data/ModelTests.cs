using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.ApiKeys;
using Obsess.Features.Audit;
using Obsess.Features.Customers;
using Obsess.Features.Feedback;
using Obsess.Features.Texts;
using Obsess.Features.Workspaces;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Data;

/// <summary>The EF Core model must match the hand-written SQL schema on each engine.</summary>
public abstract class ModelTests(ObsessAppFixture app)
{
    private static readonly DateTime T1 = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
    private static readonly DateTime T2 = new(2025, 7, 8, 9, 10, 11, 123, DateTimeKind.Utc);

    [Fact]
    public async Task Every_entity_written_through_the_model_reads_back_unchanged()
    {
        var storage = await app.NewDatabaseAsync();
        var ws = Guid.CreateVersion7();
        var customerId = Guid.CreateVersion7();
        var workspace = new Workspace { Id = ws, Slug = "model", Name = "Model Co", DefaultRegion = "CA", Currency = "CAD", ChurnWindowDays = 90, CreatedAt = T1 };
        var user = new User { WorkspaceId = ws, Id = Guid.CreateVersion7(), Email = "u@example.com", Name = "U", Role = Roles.Manager, PasswordHash = "h", FailedLogins = 3, LockedUntil = T2, LastLoginAt = T1, Disabled = true, CreatedAt = T1 };
        var key = new ApiKey { WorkspaceId = ws, Id = Guid.CreateVersion7(), Name = "k", Role = Roles.Ingest, Prefix = "abcdefgh", Hash = new string('a', 64), CreatedAt = T1, LastUsedAt = T2, RevokedAt = T2 };
        var customer = new Customer { WorkspaceId = ws, Id = customerId, Name = "Zoë Ünicode", Email = "z@example.com", Phone = "+12015550123", Traits = "{\"city\":\"Köln\"}", Consent = "{\"analytics\":{\"granted\":true,\"at\":\"2025-01-02T03:04:05Z\",\"source\":\"crm\"}}", FirstSeenAt = T1, LastSeenAt = T2, CreatedAt = T1, UpdatedAt = T2 };
        var mergedAway = new Customer { WorkspaceId = ws, Id = Guid.CreateVersion7(), Name = "Old Zoë", FirstSeenAt = T1, LastSeenAt = T1, CreatedAt = T1, UpdatedAt = T2, MergedIntoId = customerId };
        var merge = new CustomerMerge { WorkspaceId = ws, Id = Guid.CreateVersion7(), SurvivorId = customerId, MergedId = mergedAway.Id, Cause = "linked by email", At = T2, Snapshot = "{}", SplitAt = T2 };
        var identity = new CustomerIdentity { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customerId, Kind = IdentityKinds.External, Source = "web_shop", Value = "WS0000001", FirstSeenAt = T1 };
        var order = new Order { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customerId, Source = "web_shop", ExternalId = "WS-1", Channel = "web", OrderedAt = T2, Amount = 1234567.89m, Currency = "CAD", Items = 7 };
        var evt = new CustomerEvent { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customerId, Type = "track", Name = "Order completed", Source = "web_shop", Channel = "web", OccurredAt = T2, Properties = "{\"order_id\":\"WS-1\"}", MessageId = "m-1" };
        var audit = new AuditEntry { WorkspaceId = ws, Id = Guid.CreateVersion7(), At = T2, Actor = "cli", Action = "model.test", Target = "workspace", Detail = null };
        var text = new CustomerText { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customerId, Kind = TextKinds.Review, Channel = "web", Source = "trustpilot", ExternalId = "r-1", Body = "Great service — «très bien» 👍", OccurredAt = T1, CreatedAt = T2, AnalysisVersion = "text-1+x", AnalyzedAt = T2, Language = "en", SentimentScore = 0.625, SentimentLabel = "positive", Emotions = "{\"joy\":0.8}", TopEmotion = "joy", Intents = "[\"praise\"]", ChurnThreat = true, Urgency = 0.25, ThemeId = 3 };
        var theme = new TextTheme { WorkspaceId = ws, Id = 3, Name = "delivery, late", KeyPhrases = "[\"delivery\",\"late\"]", Examples = "[]", Size = 12, ComputedAt = T2 };
        var themeModel = new TextThemeModel { WorkspaceId = ws, Model = "{\"Format\":\"x\"}", Texts = 40, ComputedAt = T2 };
        var feedback = new FeedbackRecord { WorkspaceId = ws, Id = Guid.CreateVersion7(), CustomerId = customerId, Kind = FeedbackKinds.Review, Source = "trustpilot", ExternalId = "r-1", SurveyId = Guid.CreateVersion7(), ResponseId = Guid.CreateVersion7(), QuestionId = "q1", Metric = FeedbackMetrics.Rating, Score = 4.5, ScaleMax = 5, Choices = "[\"a\"]", TextId = text.Id, Touchpoint = "order", Channel = "web", Agent = "Ann", Product = "Kettle", Language = "en", OccurredAt = T1, CreatedAt = T2 };
        var ring = new DataProtectionKey { FriendlyName = "key-1", Xml = "<key id=\"1\" />" };

        await using (var db = TestDb.Open(storage, ws))
        {
            await Migrator.MigrateAsync(db);
            db.Workspaces.Add(workspace);
            db.AddRange(user, key, customer, mergedAway, identity, order, evt, audit, ring, merge, text, theme, themeModel, feedback);
            await db.SaveChangesAsync();
        }

        await using (var db = TestDb.Open(storage, ws))
        {
            (await db.Workspaces.SingleAsync()).ShouldBeEquivalentTo(workspace);
            (await db.Users.SingleAsync()).ShouldBeEquivalentTo(user);
            (await db.ApiKeys.SingleAsync()).ShouldBeEquivalentTo(key);
            (await db.Customers.SingleAsync(c => c.Id == customerId)).ShouldBeEquivalentTo(customer);
            (await db.Customers.SingleAsync(c => c.MergedIntoId != null)).ShouldBeEquivalentTo(mergedAway);
            (await db.Merges.SingleAsync()).ShouldBeEquivalentTo(merge);
            (await db.Identities.SingleAsync()).ShouldBeEquivalentTo(identity);
            (await db.Orders.SingleAsync()).ShouldBeEquivalentTo(order);
            (await db.Events.SingleAsync()).ShouldBeEquivalentTo(evt);
            (await db.AuditLog.SingleAsync()).ShouldBeEquivalentTo(audit);
            (await db.Texts.SingleAsync()).ShouldBeEquivalentTo(text);
            (await db.TextThemes.SingleAsync()).ShouldBeEquivalentTo(theme);
            (await db.TextThemeModels.SingleAsync()).ShouldBeEquivalentTo(themeModel);
            (await db.Feedback.SingleAsync()).ShouldBeEquivalentTo(feedback);
            var storedRing = await db.DataProtectionKeys.SingleAsync();
            storedRing.Id.ShouldBeGreaterThan(0);
            (storedRing.FriendlyName, storedRing.Xml).ShouldBe((ring.FriendlyName, ring.Xml));
        }

        // The workspace filter: the same rows are invisible from another workspace.
        await using (var other = TestDb.Open(storage, Guid.CreateVersion7()))
        {
            (await other.Customers.CountAsync()).ShouldBe(0);
            (await other.Users.CountAsync()).ShouldBe(0);
            (await other.Customers.IgnoreQueryFilters().CountAsync()).ShouldBe(2);
        }
    }

    [Fact]
    public async Task Every_table_of_the_running_app_reads_through_the_model_including_bulk_written_demo_rows()
    {
        var ws = await app.DemoWorkspaceAsync();

        var counts = await app.QueryAsync(ws, async db => new
        {
            Workspaces = (await db.Workspaces.ToListAsync()).Count,
            Users = (await db.Users.IgnoreQueryFilters().ToListAsync()).Count,
            ApiKeys = (await db.ApiKeys.IgnoreQueryFilters().ToListAsync()).Count,
            Customers = (await db.Customers.ToListAsync()).Count,
            Identities = (await db.Identities.ToListAsync()).Count,
            Orders = (await db.Orders.ToListAsync()).Count,
            Events = (await db.Events.ToListAsync()).Count,
            Audit = (await db.AuditLog.IgnoreQueryFilters().ToListAsync()).Count,
            Keys = (await db.DataProtectionKeys.ToListAsync()).Count,
            LatestOrder = await db.Orders.MaxAsync(o => o.OrderedAt),
            Revenue = await db.Orders.Select(o => o.Amount).ToListAsync(),
        });

        counts.Workspaces.ShouldBeGreaterThanOrEqualTo(2);
        counts.Users.ShouldBeGreaterThanOrEqualTo(1);
        counts.Customers.ShouldBe(ObsessAppFixture.DemoCustomers);
        counts.Identities.ShouldBeGreaterThan(counts.Customers);
        counts.Orders.ShouldBeGreaterThan(counts.Customers);
        counts.Events.ShouldBeGreaterThan(counts.Orders);
        counts.Audit.ShouldBeGreaterThanOrEqualTo(1);
        counts.LatestOrder.Kind.ShouldBe(DateTimeKind.Utc);
        counts.LatestOrder.ShouldBeLessThanOrEqualTo(DateTime.UtcNow);
        counts.Revenue.ShouldAllBe(a => a > 0 && decimal.Round(a, 2) == a);
    }
}

public sealed class ModelTests_on_sqlite(SqliteAppFixture app) : ModelTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class ModelTests_on_postgres(PostgresAppFixture app) : ModelTests(app), IClassFixture<PostgresAppFixture>;
