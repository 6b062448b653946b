using Obsess.Features.Ingestion;

namespace Obsess.Tests.Unit;

/// <summary>Which queued batches one group commit writes together.</summary>
public sealed class IngestionGroupTests
{
    private static IngestionService.PendingBatch Batch(string source, int messages, bool force = false) =>
        new(source, Enumerable.Range(0, messages).Select(i => new SegmentMessage
        {
            Type = "track",
            MessageId = $"{source}-{i}",
            UserId = "u",
            Event = "e",
            Timestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            Traits = "{}",
            Properties = "{}",
        }).ToList(), force);

    [Fact]
    public void A_group_takes_the_leader_and_the_waiting_batches_of_its_source_in_order()
    {
        var leader = Batch("web", 500);
        var other = Batch("app", 500);
        var second = Batch("web", 500);
        var forced = Batch("web", 10, force: true);
        var third = Batch("web", 500);
        var waiting = new List<IngestionService.PendingBatch> { leader, other, second, forced, third };

        var group = IngestionService.TakeGroup(waiting, leader);

        group.ShouldBe([leader, second, third]);
        waiting.ShouldBe([other, forced]);
    }

    [Fact]
    public void A_group_stops_at_its_size_and_leaves_the_rest_waiting_in_order()
    {
        var batches = Enumerable.Range(0, 10).Select(_ => Batch("web", 1000)).ToList();
        var waiting = batches.ToList();

        var group = IngestionService.TakeGroup(waiting, batches[0]);

        group.Sum(b => b.Messages.Count).ShouldBeLessThanOrEqualTo(IngestionService.MaxGroupMessages);
        group.ShouldBe(batches.Take(IngestionService.MaxGroupMessages / 1000));
        waiting.ShouldBe(batches.Skip(group.Count));
    }
}
