namespace FedFace.Core.Privacy;

/// <summary>ε spent at δ, and the Rényi order that gave the tightest bound.</summary>
/// <param name="IsBestOrderAtEdge">The best order is the smallest or largest one tried: more orders could tighten ε.</param>
public sealed record PrivacySpent(double Epsilon, double Delta, double BestOrder, RdpConversion Conversion, bool IsBestOrderAtEdge)
{
    public override string ToString() =>
        FormattableString.Invariant($"(ε = {Epsilon:G6}, δ = {Delta:G3}) at Rényi order {BestOrder:G4} ({Conversion} conversion)");
}
