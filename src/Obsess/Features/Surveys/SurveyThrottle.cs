using System.Threading.RateLimiting;

namespace Obsess.Features.Surveys;

/// <summary>How many answer submissions the public endpoints take per minute.</summary>
public sealed record SurveyThrottleOptions
{
    /// <summary>Per client address, across all surveys.</summary>
    public int PerAddressPerMinute { get; init; } = 30;

    /// <summary>Per survey, across all addresses: a ceiling that stops a flood without slowing a real campaign.</summary>
    public int PerSurveyPerMinute { get; init; } = 1200;
}

/// <summary>
/// Rate limits for the public survey endpoints (the JSON API and the no-JavaScript form), with the platform's
/// limiter types: a chained limiter, so a submission needs a permit from both its address's and its survey's window.
/// One place for both entry points; the form page cannot use endpoint policies, whose rejection redirects to sign-in.
/// </summary>
public sealed class SurveyThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<(string Address, string Survey)> _limiter;

    public SurveyThrottle(SurveyThrottleOptions options)
    {
        var perAddress = PartitionedRateLimiter.Create<(string Address, string Survey), string>(key =>
            RateLimitPartition.GetFixedWindowLimiter(key.Address, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.PerAddressPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
        var perSurvey = PartitionedRateLimiter.Create<(string Address, string Survey), string>(key =>
            RateLimitPartition.GetFixedWindowLimiter(key.Survey, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.PerSurveyPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
        _limiter = PartitionedRateLimiter.CreateChained(perAddress, perSurvey);
    }

    /// <summary>True when this submission may go ahead.</summary>
    public bool TryAcquire(HttpContext http, string surveyToken)
    {
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        using var lease = _limiter.AttemptAcquire((address, surveyToken));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
