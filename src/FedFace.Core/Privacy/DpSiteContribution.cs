namespace FedFace.Core.Privacy;

/// <summary>A site's protected delta for one round.</summary>
/// <param name="Delta">Clipped to C, with the site's noise share in distributed mode: what goes into the masked sum.</param>
/// <param name="UnclippedIndicator">
/// bᵢ − ½ plus the site's indicator noise share; 0 without adaptive clipping. Send it inside the masked vector (one
/// more coordinate) so the aggregator learns only the sum, never a site's bit.
/// </param>
/// <param name="Clipping">For the site's own log only: the norm before clipping is not private.</param>
public sealed record DpSiteContribution(ModelState Delta, float UnclippedIndicator, ClippingOutcome Clipping);
