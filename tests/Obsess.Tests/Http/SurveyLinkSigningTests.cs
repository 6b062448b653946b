using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Obsess.Data;
using Obsess.Features.Accounts;
using Obsess.Features.Surveys;
using Obsess.Tests.Infrastructure;

namespace Obsess.Tests.Http;

/// <summary>Signed personal links: forged or altered ones are refused before the links are looked up; genuine ones still work once.</summary>
public abstract class SurveyLinkSigningTests(ObsessAppFixture app)
{
    private sealed record Setup(Guid Ws, SurveyView Survey, Guid Customer, Guid OtherCustomer, HttpClient Manager);

    private async Task<Setup> SetupAsync()
    {
        var ws = await app.CreateWorkspaceAsync(demoCustomers: 4, seed: 17);
        var manager = app.ApiClient((await app.CreateApiKeyAsync(ws, Roles.Manager)).Key);
        using var created = await manager.PostAsJsonAsync(Url("/api/surveys"), SurveysTests.Definition());
        var draft = (await created.Content.ReadFromJsonAsync<SurveyView>())!;
        using var published = await manager.PostAsync(Url($"/api/surveys/{draft.Id}/publish"), null);
        var survey = (await published.Content.ReadFromJsonAsync<SurveyView>())!;
        var customers = await app.QueryAsync(ws, db => db.Customers.OrderBy(c => c.Id).Select(c => c.Id).Take(2).ToListAsync());
        return new Setup(ws, survey, customers[0], customers[1], manager);
    }

    private static async Task<string> LinkKeyAsync(Setup s, string touchpoint = "support_resolved")
    {
        using var response = await s.Manager.PostAsJsonAsync(Url($"/api/surveys/{s.Survey.Id}/links"), new { customerId = s.Customer, touchpoint, expiresInDays = 7 });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var link = (await response.Content.ReadFromJsonAsync<CreatedSurveyLink>())!;
        return link.Path.Split("?k=")[1];
    }

    private static Task<HttpResponseMessage> AnswerAsync(HttpClient client, SurveyView survey, string key, int nps = 9) =>
        client.PostAsJsonAsync(Url($"{survey.PublicPath}/responses"), new { link = key, answers = new { nps, csat = 4 }, complete = true });

    private static string Replace(string key, int part, string value)
    {
        var parts = key.Split('.');
        parts[part] = value;
        return string.Join('.', parts);
    }

    private static string Base64Url(Guid id) => Convert.ToBase64String(id.ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public async Task A_link_url_carries_its_customer_touchpoint_expiry_and_a_signature_and_answers_once()
    {
        var s = await SetupAsync();
        var key = await LinkKeyAsync(s);

        var parts = key.Split('.');
        parts.Length.ShouldBe(5);
        (parts[1], parts[2]).ShouldBe((Base64Url(s.Customer), "support_resolved"));
        DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts[3], CultureInfo.InvariantCulture)).UtcDateTime.ShouldBe(DateTime.UtcNow.AddDays(7), TimeSpan.FromMinutes(1));

        using var anonymous = app.ApiClient();
        using var answered = await AnswerAsync(anonymous, s.Survey, key);
        answered.StatusCode.ShouldBe(HttpStatusCode.Created, await answered.Content.ReadAsStringAsync());
        using var replay = await AnswerAsync(anonymous, s.Survey, key, nps: 0);
        (await ProblemAssert.IsProblemAsync(replay, HttpStatusCode.Conflict)).RootElement.GetProperty("detail").GetString()
            .ShouldBe("This personal link has already been used to answer the survey.");
        (await app.QueryAsync(s.Ws, db => db.Set<SurveyResponse>().CountAsync(r => r.SurveyId == s.Survey.Id))).ShouldBe(1);
    }

    [Fact]
    public async Task An_altered_touchpoint_customer_or_expiry_or_a_wrong_signature_is_refused_on_the_page_and_in_the_api()
    {
        var s = await SetupAsync();
        var key = await LinkKeyAsync(s);
        var later = (long.Parse(key.Split('.')[3], CultureInfo.InvariantCulture) + (365L * 86_400)).ToString(CultureInfo.InvariantCulture);
        string[] altered =
        [
            Replace(key, 2, "relationship"),
            Replace(key, 1, Base64Url(s.OtherCustomer)),
            Replace(key, 3, later),
            Replace(key, 4, new string('A', 43)),
            key.Split('.')[0], // the signed link's key without its signature (the older, unsigned shape)
        ];
        using var anonymous = app.ApiClient();

        foreach (var k in altered)
        {
            using var answer = await AnswerAsync(anonymous, s.Survey, k);
            (await ProblemAssert.IsProblemAsync(answer, HttpStatusCode.Forbidden)).RootElement.GetProperty("detail").GetString()
                .ShouldBe("This personal link is not valid.", k);
            var page = await anonymous.GetStringAsync(Url($"{s.Survey.PublicPath}?k={Uri.EscapeDataString(k)}"));
            page.ShouldContain("This personal link is not valid.");
            page.ShouldNotContain("<form");
        }

        (await app.QueryAsync(s.Ws, db => db.Set<SurveyResponse>().CountAsync(r => r.SurveyId == s.Survey.Id))).ShouldBe(0);
        (await app.QueryAsync(s.Ws, db => db.Set<SurveyLink>().CountAsync(l => l.SurveyId == s.Survey.Id && l.UsedAt != null))).ShouldBe(0);
        using var genuine = await AnswerAsync(anonymous, s.Survey, key);
        genuine.StatusCode.ShouldBe(HttpStatusCode.Created, await genuine.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_link_signed_for_one_survey_does_not_open_another()
    {
        var s = await SetupAsync();
        var key = await LinkKeyAsync(s);
        using var created = await s.Manager.PostAsJsonAsync(Url("/api/surveys"), SurveysTests.Definition("Another survey"));
        var other = (await created.Content.ReadFromJsonAsync<SurveyView>())!;
        using var published = await s.Manager.PostAsync(Url($"/api/surveys/{other.Id}/publish"), null);
        other = (await published.Content.ReadFromJsonAsync<SurveyView>())!;

        using var answer = await AnswerAsync(app.ApiClient(), other, key);

        await ProblemAssert.IsProblemAsync(answer, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_expired_link_with_a_genuine_signature_says_it_expired()
    {
        var s = await SetupAsync();
        var key = await LinkKeyAsync(s);
        await app.QueryAsync(s.Ws, db => db.Set<SurveyLink>().Where(l => l.SurveyId == s.Survey.Id).ExecuteUpdateAsync(u => u.SetProperty(l => l.ExpiresAt, DateTime.UtcNow.AddMinutes(-1))));

        using var answer = await AnswerAsync(app.ApiClient(), s.Survey, key);

        (await ProblemAssert.IsProblemAsync(answer, HttpStatusCode.Gone)).RootElement.GetProperty("detail").GetString().ShouldBe("This personal link has expired.");
    }

    [Fact]
    public async Task A_forged_link_is_refused_without_a_query_while_a_genuine_one_is_looked_up()
    {
        var s = await SetupAsync();
        var key = await LinkKeyAsync(s);
        var recorder = new CommandRecorder();
        var options = new DbContextOptionsBuilder<ObsessDb>();
        app.Storage.Configure(options);
        options.AddInterceptors(recorder).UseApplicationServiceProvider(app.App.Services);
        await using var db = new ObsessDb(options.Options, new Workspace(s.Ws));
        var survey = await db.Set<Survey>().SingleAsync(x => x.Id == s.Survey.Id);
        (await SurveyLinks.FindAsync(db, survey, key)).ShouldNotBeNull();
        recorder.Commands.Clear();

        (await SurveyLinks.FindAsync(db, survey, Replace(key, 2, "relationship"))).ShouldBeNull();
        (await SurveyLinks.FindAsync(db, survey, Replace(key, 4, new string('A', 43)))).ShouldBeNull();
        recorder.Commands.ShouldBeEmpty();

        (await SurveyLinks.FindAsync(db, survey, key))!.CustomerId.ShouldBe(s.Customer);
        recorder.Commands.ShouldContain(c => c.Contains("survey_links", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unsigned_link_from_before_signing_still_works_once()
    {
        var s = await SetupAsync();
        var id = Guid.CreateVersion7();
        var legacy = SurveyTokens.NewLinkKey(id);
        await app.QueryAsync(s.Ws, async db =>
        {
            db.Add(new SurveyLink
            {
                WorkspaceId = s.Ws,
                Id = id,
                SurveyId = s.Survey.Id,
                CustomerId = s.Customer,
                Touchpoint = "delivery",
                SecretHash = SurveyTokens.HashOf(legacy),
                CreatedAt = DateTime.UtcNow.AddDays(-3),
                ExpiresAt = DateTime.UtcNow.AddDays(27),
            });
            return await db.SaveChangesAsync();
        });
        using var anonymous = app.ApiClient();

        using var wrong = await AnswerAsync(anonymous, s.Survey, SurveyTokens.NewLinkKey(id));
        using var answered = await AnswerAsync(anonymous, s.Survey, legacy);
        using var replay = await AnswerAsync(anonymous, s.Survey, legacy);

        await ProblemAssert.IsProblemAsync(wrong, HttpStatusCode.Forbidden);
        answered.StatusCode.ShouldBe(HttpStatusCode.Created, await answered.Content.ReadAsStringAsync());
        await ProblemAssert.IsProblemAsync(replay, HttpStatusCode.Conflict);
        (await app.QueryAsync(s.Ws, db => db.Feedback.Where(f => f.SurveyId == s.Survey.Id).Select(f => f.Touchpoint).Distinct().ToListAsync())).ShouldBe(["delivery"]);
    }

    [Fact]
    public async Task Two_app_nodes_agree_on_a_workspace_key_which_is_stored_protected()
    {
        var ws = await app.CreateWorkspaceAsync();
        var protection = app.App.Services.GetRequiredService<IDataProtectionProvider>();
        var (first, second) = (new SigningKeys(protection, TimeProvider.System), new SigningKeys(protection, TimeProvider.System));

        var keys = await Task.WhenAll(
            app.QueryAsync(ws, db => first.KeyAsync(db, ws, SigningKeys.SurveyLinks).AsTask()),
            app.QueryAsync(ws, db => second.KeyAsync(db, ws, SigningKeys.SurveyLinks).AsTask()));

        keys[0].Length.ShouldBe(32);
        keys[1].ShouldBe(keys[0]);
        var stored = await app.QueryAsync(ws, db => db.Set<SigningKey>().ToListAsync());
        stored.Count.ShouldBe(1);
        Convert.FromBase64String(stored[0].KeyProtected).AsSpan().IndexOf(keys[0]).ShouldBe(-1);
        (await app.QueryAsync(await app.CreateWorkspaceAsync(), db => first.KeyAsync(db, db.CurrentWorkspaceId, SigningKeys.SurveyLinks).AsTask())).ShouldNotBe(keys[0]);
    }

    private sealed class Workspace(Guid id) : ICurrentWorkspace
    {
        public Guid? Id => id;
    }

    private sealed class CommandRecorder : DbCommandInterceptor
    {
        public List<string> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands.Add(command.CommandText);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Commands.Add(command.CommandText);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}

public sealed class SurveyLinkSigningTests_on_sqlite(SqliteAppFixture app) : SurveyLinkSigningTests(app), IClassFixture<SqliteAppFixture>;

[Collection(PostgresCollection.Name)]
public sealed class SurveyLinkSigningTests_on_postgres(PostgresAppFixture app) : SurveyLinkSigningTests(app), IClassFixture<PostgresAppFixture>;
