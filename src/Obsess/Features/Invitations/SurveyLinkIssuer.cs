using Microsoft.EntityFrameworkCore;
using Obsess.Data;
using Obsess.Features.Surveys;

namespace Obsess.Features.Invitations;

/// <summary>
/// Personal survey links from the surveys feature (<see cref="SurveyLinks.CreateAsync"/>: one customer, one touchpoint,
/// single-use, time-limited, only a hash stored), made absolute with the app's public address: the setting
/// <c>Obsess:PublicUrl</c> (env <c>Obsess__PublicUrl</c>), else the first address the app listens on.
/// </summary>
internal sealed class SurveyLinkIssuer(ObsessDb db, TimeProvider clock, IConfiguration config) : ISurveyLinkIssuer
{
    public const int ExpiryDays = 30;

    private Uri PublicBase
    {
        get
        {
            var configured = config["Obsess:PublicUrl"] ?? config["urls"]?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "http://localhost:5000";
            return new Uri(configured.EndsWith('/') ? configured : configured + "/");
        }
    }

    private IQueryable<Survey> Open()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Set<Survey>().AsNoTracking().Where(s => s.Status == SurveyStatuses.Live && (s.ClosesAt == null || s.ClosesAt > now));
    }

    public async Task<IReadOnlyList<(Guid Id, string Name)>> OpenSurveysAsync(CancellationToken ct) =>
        [.. (await Open().OrderBy(s => s.Name).Select(s => new { s.Id, s.Name }).ToListAsync(ct).ConfigureAwait(false)).Select(s => (s.Id, s.Name))];

    public async Task<string?> OpenSurveyNameAsync(Guid surveyId, CancellationToken ct) =>
        await Open().Where(s => s.Id == surveyId).Select(s => s.Name).FirstOrDefaultAsync(ct).ConfigureAwait(false);

    public async Task<IssuedLink?> IssueAsync(Guid surveyId, Guid customerId, string touchpoint, string channel, CancellationToken ct)
    {
        var survey = await Open().FirstOrDefaultAsync(s => s.Id == surveyId, ct).ConfigureAwait(false);
        if (survey is null)
        {
            return null;
        }

        var result = await SurveyLinks.CreateAsync(db, survey, new CreateLinkRequest(customerId, touchpoint, channel, ExpiryDays), clock, ct).ConfigureAwait(false);
        if (result.Link is { } link)
        {
            return new IssuedLink(new Uri(PublicBase, link.Path.TrimStart('/')), link.ExpiresAt);
        }

        if (result.Conflict is not null)
        {
            return null;
        }

        throw new InvalidOperationException($"The survey link was refused: {string.Join(" ", result.Errors.SelectMany(e => e.Value))}");
    }
}
