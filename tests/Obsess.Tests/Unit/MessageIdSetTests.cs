using Obsess.Features.Import;

namespace Obsess.Tests.Unit;

public sealed class MessageIdSetTests
{
    [Fact]
    public void Each_id_is_added_once_and_ids_that_only_share_a_prefix_are_different()
    {
        var set = new MessageIdSet();
        // Enough ids to grow the table many times and fill more than one 1M-character block.
        var ids = Enumerable.Range(0, 300_000).Select(i => $"import:crm:{i}").ToList();

        ids.ShouldAllBe(id => set.Add(id));
        // Equal text in other string objects: compared by content.
        ids.Select(id => new string(id.ToCharArray())).ShouldAllBe(copy => !set.Add(copy));
        set.Add("import:crm:1").ShouldBeFalse();
        set.Add("import:crm:1 ").ShouldBeTrue();
        set.Add("IMPORT:crm:1").ShouldBeTrue();
        set.Add("").ShouldBeTrue();
        set.Add("").ShouldBeFalse();
        set.Count.ShouldBe(300_003);
    }

    [Fact]
    public void An_id_longer_than_a_block_is_kept_whole()
    {
        var set = new MessageIdSet();
        var longId = new string('x', 1_500_000);

        set.Add("a").ShouldBeTrue();
        set.Add(longId).ShouldBeTrue();
        set.Add("b").ShouldBeTrue();

        set.Add(new string('x', 1_500_000)).ShouldBeFalse();
        set.Add(new string('x', 1_499_999)).ShouldBeTrue();
        set.Add("a").ShouldBeFalse();
        set.Add("b").ShouldBeFalse();
    }
}
