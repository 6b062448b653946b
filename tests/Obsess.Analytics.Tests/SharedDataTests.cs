namespace Obsess.Analytics.Tests;

public class SharedDataTests
{
    [Fact]
    public void Reference_data_is_found_beside_the_repository()
    {
        File.Exists(SharedData.PathOf("clv/CDNOW_sample.txt")).ShouldBeTrue();
    }
}
