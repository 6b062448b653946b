namespace Obsess.Components.Shared;

public sealed record ChartPoint(string Label, IReadOnlyList<double> Values);
