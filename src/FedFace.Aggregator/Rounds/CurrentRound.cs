namespace FedFace.Aggregator.Rounds;

/// <summary>
/// The round open now, or the last one until the next opens: the loop replaces it, the site-facing services read it
/// and then work under that round's gate.
/// </summary>
public sealed class CurrentRound
{
    private volatile OpenRound? _round;

    public OpenRound? Round => _round;

    public void Replace(OpenRound round) => _round = round;

    /// <summary>The round numbered <paramref name="number"/> if it is the current one and not closed; null otherwise.</summary>
    /// <remarks>Closed is read outside the round's gate: a caller that then takes the gate asks again under it.</remarks>
    public OpenRound? OpenNumbered(long number) => _round is { Closed: false } open && open.Number == number ? open : null;
}
