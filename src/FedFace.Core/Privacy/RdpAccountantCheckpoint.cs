namespace FedFace.Core.Privacy;

/// <summary>
/// What a restarted aggregator needs to resume its privacy accounting: the orders and every composition so far.
/// The RDP curve itself is recomputed from them on restore, so a checkpoint cannot hold a curve that disagrees with
/// its own history. Plain data: serialises with System.Text.Json into the round checkpoint.
/// </summary>
public sealed record RdpAccountantCheckpoint(IReadOnlyList<double> Orders, IReadOnlyList<RdpComposition> Compositions);
