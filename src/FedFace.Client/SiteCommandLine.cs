using System.CommandLine;
using FedFace.CommandLine;
using FedFace.CommandLine.Settings;
using FedFace.Learning.Backbones;

namespace FedFace.Client;

/// <summary>
/// <c>fedface-site</c>'s command line: without a command the site worker, with a flag per setting of
/// <see cref="SiteOptions"/> (<c>--aggregator-url URL</c>, or by key <c>--Site:AggregatorUrl URL</c>) and <c>--config</c>;
/// <c>init-model</c> and <c>export-onnx</c> with their own flags; <c>--help</c> and <c>--version</c> everywhere.
/// </summary>
public sealed class SiteCommandLine
{
    public const string Name = "fedface-site";

    private const string Description = """
        Without a command: runs the site worker, which joins the aggregator, trains on its own photos each round and sends
        only a protected weight delta. Settings, each layer over the one before: appsettings.json next to the binary, the
        --config file, the environment (Site__AggregatorUrl=...), then the flags below (--aggregator-url URL, or by key:
        --Site:AggregatorUrl URL). A relative path on the command line is taken from the working directory; anywhere else
        from the --config file's folder (or, without one, the program's). Unknown keys are refused. Every key is described
        in docs/configuration.md.
        """;

    private SiteCommandLine()
    {
        Program = new ProgramCommandLine(Name, Description, SettingOption.For(Settings(), SiteOptions.Section), configFile: true, settingsOnSubcommands: false);
        InitModel = new Command("init-model",
            "Writes the version-0 global model for Aggregator:InitialModelPath, randomly initialised or imported from a BatchNorm-folded "
            + "MobileFaceNet ONNX file; sites build their network from its tensors, so it fixes the backbone for the whole federation.")
        {
            InitOut, Seed, Backbone, FromOnnx,
        };
        ExportOnnx = new Command("export-onnx",
            "Turns a global model into an ONNX file for serving with ONNX Runtime, stamped with its pixel scaling and, when given, "
            + "its verification threshold.")
        {
            Model, ExportOut, Normalization, Threshold, ThresholdSource,
        };
        ExportOnnx.Validators.Add(result =>
        {
            if ((result.GetResult(Threshold) is null) != (result.GetResult(ThresholdSource) is null))
            {
                result.AddError("--threshold and --threshold-source go together");
            }
        });
        Program.Root.Options.Add(Kit);
        Program.Root.Options.Add(KitCa);
        Program.Root.Options.Add(KitCaFingerprint);
        Program.Root.Options.Add(KitDirectory);
        Program.Root.Subcommands.Add(InitModel);
        Program.Root.Subcommands.Add(ExportOnnx);
    }

    public static SiteCommandLine Create() => new();

    /// <summary>The site's settings as the configuration reference and --help list them.</summary>
    public static IReadOnlyList<SettingsSection> Settings() => SettingsSection.Of(typeof(SiteOptions), SiteOptions.Section);

    public ProgramCommandLine Program { get; }
    public Command InitModel { get; }
    public Command ExportOnnx { get; }

    public Option<string?> Kit { get; } = new("--kit")
    {
        Description = "Start from the signed startup kit fedface-certs made for this site: checked against the CA given by "
            + "--kit-ca-fingerprint or --kit-ca, then unpacked; its settings layer over the settings files, and the environment and flags still override them.",
        HelpName = "KIT.zip",
    };
    public Option<string?> KitCa { get; } = new("--kit-ca") { Description = "The federation CA certificate the kit must be signed by.", HelpName = "CA.crt" };
    public Option<string?> KitCaFingerprint { get; } = new("--kit-ca-fingerprint")
    {
        Description = "The SHA-256 fingerprint of the CA the kit must be signed by, as fedface-certs printed it (compare it by another channel).",
        HelpName = "SHA256",
    };
    public Option<string?> KitDirectory { get; } = new("--kit-dir") { Description = "Where the kit's certificate, key and CA are unpacked (default: KIT.kit next to the kit).", HelpName = "DIR" };

    public Option<string> InitOut { get; } = new("--out") { Description = "The model file to write.", DefaultValueFactory = _ => "initial-model.ffm", HelpName = "FILE" };
    public Option<int> Seed { get; } = new("--seed") { Description = "The random initialisation's seed.", DefaultValueFactory = _ => 1, HelpName = "N" };
    public Option<string> Backbone { get; } = BackboneOption();
    public Option<string?> FromOnnx { get; } = new("--from-onnx") { Description = "Import this BatchNorm-folded MobileFaceNet ONNX file instead of initialising randomly.", HelpName = "MODEL.onnx" };

    public Option<string> Model { get; } = new("--model") { Description = "The global model to export (a .ffm the aggregator published).", Required = true, HelpName = "FILE.ffm" };
    public Option<string> ExportOut { get; } = new("--out") { Description = "The ONNX file to write.", Required = true, HelpName = "FILE.onnx" };
    public Option<string> Normalization { get; } = NormalizationOption();
    public Option<string?> Threshold { get; } = new("--threshold") { Description = "The verification threshold (cosine, -1 to 1) to stamp into the file.", HelpName = "T" };
    public Option<string?> ThresholdSource { get; } = new("--threshold-source") { Description = "How the threshold was chosen (goes with --threshold).", HelpName = "TEXT" };

    private static Option<string> BackboneOption()
    {
        var option = new Option<string>("--backbone")
        {
            Description = "The backbone to initialise randomly.",
            DefaultValueFactory = _ => BackboneArchitecture.MobileFaceNet.Name,
        };
        option.AcceptOnlyFromAmong([.. BackboneArchitecture.All.Select(architecture => architecture.Name)]);
        return option;
    }

    private static Option<string> NormalizationOption()
    {
        var option = new Option<string>("--normalization") { Description = "How the federation scaled its pixels.", Required = true };
        option.AcceptOnlyFromAmong("symmetric", "imagenet");
        return option;
    }
}
