namespace FedFace.Aggregator;

/// <summary>The version of the wire protocol this aggregator speaks; calls and uploads in another are refused.</summary>
public static class AggregatorProtocol
{
    public const uint Version = 1;
}
