namespace FedFace.Learning.Numerics;

/// <summary>
/// The processor as /proc/cpuinfo names it, with its AVX-512 flags: oneDNN picks its kernels by instruction set, so
/// these say which of them a result came from.
/// </summary>
public sealed record CpuDescription(string Model, IReadOnlyList<string> Avx512Flags)
{
    public static CpuDescription OfThisMachine { get; } = Read("/proc/cpuinfo");

    public override string ToString() =>
        $"{Model}, {(Avx512Flags.Count == 0 ? "no AVX-512" : string.Join(' ', Avx512Flags))}";

    internal static CpuDescription Read(string cpuinfoPath)
    {
        if (!File.Exists(cpuinfoPath))
        {
            return new CpuDescription(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), []);
        }
        string[] lines = File.ReadAllLines(cpuinfoPath);
        string model = Value(lines, "model name") ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        string[] avx512 = (Value(lines, "flags") ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => f.StartsWith("avx512", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        return new CpuDescription(model, avx512);
    }

    private static string? Value(string[] lines, string key) => lines
        .Where(l => l.StartsWith(key, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))
        .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
        .FirstOrDefault();
}
