using System.Threading.RateLimiting;
using Obsess.Hosting;

namespace Obsess.Tests.Unit;

/// <summary>Retry-After and X-RateLimit-Reset on a 429: the limiter's own wait when it knows one, else a minute.</summary>
public class RetrySecondsTests
{
    [Fact]
    public void A_token_bucket_says_when_its_next_token_comes()
    {
        using var bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(2.5),
            QueueLimit = 0,
            AutoReplenishment = false,
        });
        using var first = bucket.AttemptAcquire();
        using var refused = bucket.AttemptAcquire();

        first.IsAcquired.ShouldBeTrue();
        refused.IsAcquired.ShouldBeFalse();
        ObsessApp.RetrySeconds(refused).ShouldBe(3);
    }

    [Fact]
    public void A_limiter_that_cannot_say_gets_a_minute()
    {
        using var concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = 0 });
        using var held = concurrency.AttemptAcquire();
        using var refused = concurrency.AttemptAcquire();

        refused.IsAcquired.ShouldBeFalse();
        ObsessApp.RetrySeconds(refused).ShouldBe(60);
    }
}
