using System.Net;
using System.Net.Sockets;

namespace FedFace.Aggregator.Tests.Kit;

public static class Loopback
{
    /// <summary>A port on 127.0.0.1 that nothing listens on (for now): an aggregator that is not there, or not yet.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
