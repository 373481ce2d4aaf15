namespace FedFace.CommandLine.Tests;

/// <summary>A settings class shaped like the programs' own: scalars, a nullable, an enum, a path, a list and a nested section.</summary>
public sealed class SampleSettings
{
    public const string Section = "Sample";

    public int MinSites { get; set; } = 2;
    public double? GiveUpAfterSeconds { get; set; }
    public bool Verbose { get; set; }
    public DayOfWeek Day { get; set; } = DayOfWeek.Monday;
    public string StateDirectory { get; set; } = "state";
    public List<string> Names { get; set; } = [];
    public NestedSettings Secure { get; set; } = new();
}

public sealed class NestedSettings
{
    public double DropoutTolerance { get; set; } = 0.3;
    public string KeyPath { get; set; } = "";
}
