namespace FedFace.Protocol;

/// <summary>The version of the wire protocol that both sides speak; a call that names another is refused.</summary>
public static class WireProtocol
{
    public const uint Version = 1;
}
