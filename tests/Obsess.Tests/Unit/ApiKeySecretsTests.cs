using System.Text.RegularExpressions;
using Obsess.Features.ApiKeys;

namespace Obsess.Tests.Unit;

public sealed partial class ApiKeySecretsTests
{
    private static readonly Guid Workspace = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");

    [Fact]
    public void NewKey_is_obs_then_the_workspace_then_a_256_bit_base64url_secret()
    {
        var key = ApiKeySecrets.NewKey(Workspace);

        KeyShape().IsMatch(key).ShouldBeTrue(key);
        key.ShouldStartWith($"obs_{Workspace:N}_");
    }

    [Fact]
    public void TryParse_reads_the_workspace_back_out_of_a_key()
    {
        ApiKeySecrets.TryParse(ApiKeySecrets.NewKey(Workspace), out var workspace).ShouldBeTrue();
        workspace.ShouldBe(Workspace);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("obs_")]
    [InlineData("Bearer obs_0193a1b2c3d47e5f8a9b0c1d2e3f4a5b_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")]
    [InlineData("obx_0193a1b2c3d47e5f8a9b0c1d2e3f4a5b_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")]
    [InlineData("obs_zz93a1b2c3d47e5f8a9b0c1d2e3f4a5b_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")]
    [InlineData("obs_0193a1b2c3d47e5f8a9b0c1d2e3f4a5b-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")]
    [InlineData("obs_0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b_abcdefghijklmnopqrstuvwxyz0123456789")]
    [InlineData("obs_0193a1b2c3d47e5f8a9b0c1d2e3f4a5b_")]
    [InlineData("sk_live_0193a1b2c3d47e5f8a9b0c1d2e3f4a5b_abcdefghijklmnopqrstuvwxyz0123456789")]
    public void TryParse_rejects_anything_not_shaped_like_a_key(string? garbage)
    {
        ApiKeySecrets.TryParse(garbage, out var workspace).ShouldBeFalse();
        workspace.ShouldBe(Guid.Empty);
    }

    [Fact]
    public void TryParse_rejects_a_key_padded_past_the_length_limit() =>
        ApiKeySecrets.TryParse(ApiKeySecrets.NewKey(Workspace) + new string('x', 200), out _).ShouldBeFalse();

    [Fact]
    public void Each_key_is_new_and_hashes_differently_while_one_key_always_hashes_the_same()
    {
        var a = ApiKeySecrets.NewKey(Workspace);
        var b = ApiKeySecrets.NewKey(Workspace);

        a.ShouldNotBe(b);
        ApiKeySecrets.HashOf(a).ShouldNotBe(ApiKeySecrets.HashOf(b));
        ApiKeySecrets.HashOf(a).ShouldBe(ApiKeySecrets.HashOf(a));
        HexSha256().IsMatch(ApiKeySecrets.HashOf(a)).ShouldBeTrue();
        ApiKeySecrets.HashOf(a).ShouldNotContain(a[37..]);
    }

    [Fact]
    public void PrefixOf_is_the_start_of_the_secret_not_of_the_workspace()
    {
        var key = ApiKeySecrets.NewKey(Workspace);

        ApiKeySecrets.PrefixOf(key).ShouldBe(key.Substring(37, 8));
    }

    [GeneratedRegex("^obs_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyShape();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexSha256();
}

public class ApiKeyCacheTests
{
    private static readonly DateTime T0 = new(2026, 11, 24, 2, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_kept_key_is_found_while_fresh_then_looked_up_again()
    {
        var cache = new Obsess.Features.ApiKeys.ApiKeyCache();
        var key = new Obsess.Features.ApiKeys.CachedApiKey(Guid.NewGuid(), Guid.NewGuid(), "k", "viewer", null, T0);
        cache.Keep("hash", key);

        cache.Find("hash", T0 + Obsess.Features.ApiKeys.ApiKeyCache.Fresh - TimeSpan.FromMilliseconds(1)).ShouldBe(key);
        cache.Find("hash", T0 + Obsess.Features.ApiKeys.ApiKeyCache.Fresh).ShouldBeNull();
        cache.Find("other", T0).ShouldBeNull();
    }

    [Fact]
    public void A_forgotten_key_is_not_found()
    {
        var cache = new Obsess.Features.ApiKeys.ApiKeyCache();
        var id = Guid.NewGuid();
        cache.Keep("a", new Obsess.Features.ApiKeys.CachedApiKey(id, Guid.NewGuid(), "k", "viewer", null, T0));
        cache.Keep("b", new Obsess.Features.ApiKeys.CachedApiKey(Guid.NewGuid(), Guid.NewGuid(), "other", "viewer", null, T0));

        cache.Forget(id);

        cache.Find("a", T0).ShouldBeNull();
        cache.Find("b", T0).ShouldNotBeNull();
    }
}
