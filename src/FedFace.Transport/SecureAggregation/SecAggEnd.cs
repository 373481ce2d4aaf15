namespace FedFace.Transport.SecureAggregation;

/// <summary>How one site's part in a secure round ended: whether its input is in the unmasked sum, and what happened, for its log.</summary>
public sealed record SecAggEnd(bool InputIncluded, string Description);
