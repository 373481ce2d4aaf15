namespace FedFace.Core.Privacy;

/// <summary>A site's delta scaled to L2 norm at most C, and what clipping did.</summary>
public sealed record ClippedDelta(ModelState Delta, ClippingOutcome Outcome);
