using Obsess.Features.Accounts;

namespace Obsess.Tests.Unit;

public sealed class SafeReturnTests
{
    [Theory]
    [InlineData("//evil.com")]
    [InlineData("//evil.com/login")]
    [InlineData("https://evil.com")]
    [InlineData("http://evil.com/")]
    [InlineData("/\\evil")]
    [InlineData("/\\evil.com/path")]
    [InlineData("evil.com")]
    [InlineData("javascript:alert(1)")]
    [InlineData("")]
    [InlineData(null)]
    public void SafeReturn_sends_anything_but_a_local_path_home(string? returnUrl) =>
        AccountEndpoints.SafeReturn(returnUrl).ShouldBe("/");

    [Theory]
    [InlineData("/")]
    [InlineData("/customers")]
    [InlineData("/customers?q=jane&page=2")]
    public void SafeReturn_keeps_local_paths(string returnUrl) =>
        AccountEndpoints.SafeReturn(returnUrl).ShouldBe(returnUrl);
}
