using FedFace.Learning.Numerics;
using static TorchSharp.torch;

namespace FedFace.Learning.Backbones;

/// <summary>
/// A face-embedding network: an aligned 3x112x112 face in, an embedding of <see cref="EmbeddingSize"/> floats out (not
/// normalised here; the ArcFace head and the embedder normalise). Forward passes do not dispose their intermediates:
/// callers run them inside <c>torch.NewDisposeScope()</c>.
/// </summary>
public abstract class FaceBackbone : nn.Module<Tensor, Tensor>
{
    /// <summary>Side of the aligned face every backbone takes (the ArcFace template).</summary>
    public const int InputSize = 112;

    protected FaceBackbone(string name) : base(name)
    {
        NativeMemory.ConfigureAllocator();
        // Proven before the network's first use, so a process on a CPU that computes wrong refuses when it builds one.
        _ = ConvolutionLayoutGuard.Layout;
    }

    public abstract BackboneArchitecture Architecture { get; }

    public int EmbeddingSize => Architecture.EmbeddingSize;

    /// <summary>Parameters the architecture never trains (they stay in the state, with a zero delta).</summary>
    internal virtual IReadOnlySet<string> FixedParameters { get; } = new HashSet<string>();

    /// <summary>
    /// Re-draws every weight from a private generator, so the result depends on <paramref name="seed"/> only (not on
    /// the global torch RNG that the layer constructors used, nor on other threads): BatchNorm γ = 1, β = 0, every other
    /// layer as <paramref name="initializeLayer"/> says. (Draw with Tensor.normal_/uniform_ and the generator:
    /// TorchSharp 0.107's init.normal_ ignores its generator.)
    /// </summary>
    protected void InitializeParameters(long seed, Action<nn.Module, Generator> initializeLayer)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        foreach ((string _, nn.Module module) in named_modules())
        {
            if (module is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d)
            {
                foreach ((string name, TorchSharp.Modules.Parameter parameter) in module.named_parameters(recurse: false))
                {
                    if (name == "weight")
                    {
                        nn.init.ones_(parameter);
                    }
                    else
                    {
                        nn.init.zeros_(parameter);
                    }
                }
            }
            else
            {
                initializeLayer(module, generator);
            }
        }
    }

    /// <summary>
    /// The faces in the layout the process's convolutions proved correct in (<see cref="ConvolutionLayoutGuard"/>):
    /// channels-last, the fast one, wherever it checks out. The parameters stay contiguous, as BackboneState copies them.
    /// </summary>
    protected static Tensor ArrangeForConvolutions(Tensor faces) => ConvolutionLayouts.Arrange(faces, ConvolutionLayoutGuard.Layout);

    /// <summary>
    /// The forward pass as steps over the state's tensors, for exporting BatchNorm-folded graphs (ONNX). It restates
    /// forward(); the ONNX parity tests fail if the two ever disagree.
    /// </summary>
    internal abstract IEnumerable<InferenceStep> InferenceSteps();
}
