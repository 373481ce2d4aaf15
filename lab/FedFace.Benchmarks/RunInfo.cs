using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace FedFace.Benchmarks;

public sealed record MachineInfo(string Cpu, int Cores, string? L3CacheReported, double MemoryGb, string Os, string Dotnet, string Gc, string LoadAverageAtStart);

/// <summary>Where and on what the figures were taken: they mean little without it.</summary>
public static class RunInfo
{
    public static MachineInfo Machine() => new(
        Cpu: FirstValue("/proc/cpuinfo", "model name", ':') ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Cores: Environment.ProcessorCount,
        // As CPUID reports it to this (virtual) machine: on a many-chiplet EPYC that can be the whole socket's
        // total, while a core only reaches its own chiplet's share.
        L3CacheReported: Run("getconf", "LEVEL3_CACHE_SIZE") is { } l3 && long.TryParse(l3, out long bytes) && bytes > 0 ? $"{bytes >> 20} MiB" : null,
        MemoryGb: Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 1),
        Os: $"{FirstValue("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription}, kernel {ReadTrimmed("/proc/sys/kernel/osrelease") ?? "?"}",
        Dotnet: RuntimeInformation.FrameworkDescription,
        Gc: GCSettings.IsServerGC ? "server" : "workstation",
        LoadAverageAtStart: ReadTrimmed("/proc/loadavg") ?? "unknown");

    /// <summary>The checkout's HEAD and whether the tree differs from it (uncommitted or untracked files).</summary>
    public static (string Commit, bool Dirty) Commit(string repositoryRoot) =>
        (Git(repositoryRoot, "rev-parse HEAD") ?? "unknown", !string.IsNullOrEmpty(Git(repositoryRoot, "status --porcelain -- . :!lab/results")) /* a previous result file is not a code change */);

    public static string? RepositoryRoot(string anyPathInside) => Git(anyPathInside, "rev-parse --show-toplevel");

    private static string? Git(string directory, string arguments) => Run("git", $"-C \"{directory}\" {arguments}");

    private static string? Run(string program, string arguments)
    {
        try
        {
            using Process process = Process.Start(new ProcessStartInfo(program, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not on PATH
        }
    }

    private static string? FirstValue(string path, string key, char separator) =>
        File.Exists(path)
            ? File.ReadLines(path).Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(separator) + 1)..].Trim()).FirstOrDefault()
            : null;

    private static string? ReadTrimmed(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;
}
