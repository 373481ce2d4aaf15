namespace FedFace.Aggregator.Rounds;

/// <summary>A round as it closed: who was accepted (in site order), how the others answered, and the accepted sites' mean loss and accuracy.</summary>
public sealed record ClosedRound(OpenRound Round, string[] Accepted, IReadOnlyDictionary<string, string> NotAccepted, double? MeanLoss, double? MeanAccuracy = null);
