namespace Obsess.Analytics.Clv;

/// <summary>The transaction models a user can choose.</summary>
public enum TransactionModelKind
{
    /// <summary>BG/NBD (continuous time).</summary>
    BgNbd,

    /// <summary>Pareto/NBD (continuous time).</summary>
    ParetoNbd,

    /// <summary>BG/BB (discrete opportunities; whole-number inputs).</summary>
    BgBb,
}

/// <summary>Fits "whichever model the user chose" behind one signature.</summary>
public static class TransactionModels
{
    /// <summary>Parameter names of a model, in published order.</summary>
    public static IReadOnlyList<string> ParameterNames(TransactionModelKind kind) => kind switch
    {
        TransactionModelKind.BgNbd => BgNbd.ParameterNames,
        TransactionModelKind.ParetoNbd => ParetoNbd.ParameterNames,
        TransactionModelKind.BgBb => BgBb.ParameterNames,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown transaction model."),
    };

    /// <summary>Fits the chosen model; for BG/BB, tx and T are whole numbers of opportunities.</summary>
    public static ClvFit<ITransactionModelParameters> Fit(
        TransactionModelKind kind,
        ReadOnlySpan<double> x,
        ReadOnlySpan<double> tx,
        ReadOnlySpan<double> T,
        ReadOnlySpan<double> weights = default) => kind switch
        {
            TransactionModelKind.BgNbd => BgNbd.Fit(x, tx, T, weights).As<ITransactionModelParameters>(),
            TransactionModelKind.ParetoNbd => ParetoNbd.Fit(x, tx, T, weights).As<ITransactionModelParameters>(),
            TransactionModelKind.BgBb => BgBb.Fit(x, tx, T, weights).As<ITransactionModelParameters>(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown transaction model."),
        };
}
