using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Learning.Numerics;
using FedFace.Learning.Onnx;
using FedFace.Protocol.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// The commands and their arguments are in SiteUsage, which --help prints.
if (args is ["--version"])
{
    Console.WriteLine(BuildVersion.Line("fedface-site"));
    return 0;
}
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(SiteUsage.Text);
    return 0;
}
// init-model builds a network and the worker trains one: refuse at once, in one line, on a machine whose convolutions
// compute wrong (or with an unknown FEDFACE_CONV_LAYOUT).
if (ConvolutionLayoutGuard.FailureAtStart() is { } numericsError)
{
    Console.Error.WriteLine($"error: {numericsError}");
    return 1;
}
if (args.Length > 0 && args[0] == "init-model")
{
    string output = ArgumentAfter(args, "--out") ?? "initial-model.ffm";
    string? onnx = ArgumentAfter(args, "--from-onnx");
    int seed = int.Parse(ArgumentAfter(args, "--seed") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
    var architecture = BackboneArchitecture.Parse(ArgumentAfter(args, "--backbone") ?? BackboneArchitecture.MobileFaceNet.Name);
    var model = onnx is null ? GlobalModelFactory.CreateInitial(seed, architecture) : MobileFaceNetOnnx.Import(onnx);
    ModelFile.Write(output, model, version: 0);
    Console.WriteLine($"wrote {output}: {model.Tensors.Count} tensors, {model.ParameterCount:N0} parameters, sha256 {model.ComputeSha256Hex()}");
    return 0;
}
if (args.Length > 0 && args[0] == "export-onnx")
{
    return ExportOnnx(args);
}

// --kit: the signed startup kit is checked before anything in it is used, then becomes settings (SiteKitArguments).
string[] siteArgs;
try { siteArgs = FedFace.Transport.Kits.SiteKitArguments.Expand(args); }
catch (FedFace.Transport.Kits.StartupKitException e) { Console.Error.WriteLine($"fedface-site: {e.Message}"); return 2; }
// appsettings.json ships next to the binary; relative paths in settings still resolve from the working directory.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = siteArgs, ContentRootPath = AppContext.BaseDirectory });
// Settings are checked before the host starts: each problem is one line, and the exit code says "fix the configuration".
SiteOptions site;
try
{
    site = builder.Configuration.GetSection(SiteOptions.Section).Get<SiteOptions>() ?? new SiteOptions();
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"fedface-site: {e.Message}");
    return 2;
}
IReadOnlyList<string> problems = site.Problems(requireDataDirectory: true);
if (problems.Count > 0)
{
    foreach (string problem in problems)
    {
        Console.Error.WriteLine($"fedface-site: {problem}");
    }
    return 2;
}
builder.Services.AddSingleton(Options.Create(site));
// Outlives the host (RunAsync disposes it): the worker keeps a fatal fault here as one line.
var exit = new SiteExit();
builder.Services.AddSingleton(exit);
builder.Services.AddHostedService<SiteWorker>();
await builder.Build().RunAsync();
// Said last, where the operator looks, with a non-zero exit code for systemd or Kubernetes.
if (exit.Failure is { } failure)
{
    Console.Error.WriteLine($"fedface-site: {failure}");
    return 1;
}
return 0;

static string? ArgumentAfter(string[] args, string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

// The file carries the normalisation the federation trained with (and a measured threshold, when there is one), so that
// serving it cannot mismatch them: the .ffm model does not know them, so the operator says them here, once.
static int ExportOnnx(string[] args)
{
    const string Usage = "usage: fedface-site export-onnx --model global-v000005.ffm --out model.onnx --normalization symmetric|imagenet "
        + "[--threshold T --threshold-source \"how T was chosen\"]";
    string? input = ArgumentAfter(args, "--model"), output = ArgumentAfter(args, "--out"), normalization = ArgumentAfter(args, "--normalization");
    string? thresholdText = ArgumentAfter(args, "--threshold"), thresholdSource = ArgumentAfter(args, "--threshold-source");
    float threshold = 0;
    string? problem = input is null || output is null ? "--model and --out are required"
        : normalization is not ("symmetric" or "imagenet") ? "--normalization must say how the federation scaled its pixels: symmetric or imagenet"
        : (thresholdText is null) != (thresholdSource is null) ? "--threshold and --threshold-source go together"
        : thresholdText is not null && !ModelCard.TryParseThreshold(thresholdText, out threshold) ? $"--threshold '{thresholdText}' is not a cosine threshold from -1 to 1"
        : null;
    if (problem is not null)
    {
        Console.Error.WriteLine($"fedface-site: {problem}; {Usage}");
        return 2;
    }
    ModelState model;
    long version;
    try
    {
        (model, version) = ModelFile.Read(input!);
    }
    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"fedface-site: cannot read the model {input}: {e.Message}");
        return 1;
    }
    BackboneOnnx.Export(model, output!, $"FedFace global model v{version} from {Path.GetFileName(input)}", new ModelCard(normalization!, thresholdText is null ? null : threshold, thresholdSource));
    Console.WriteLine($"wrote {output}: global model v{version}, BatchNorm folded, {normalization} input, sha256 of the backbone {model.ComputeSha256Hex()}");
    return 0;
}
