//! The `d_expression` language of `DistanceDependentProbabilityConnector`: an arithmetic expression in the
//! distance `d`, parsed into a tree and evaluated, never executed as code.
//!
//! Grammar (net-json.md): numbers, `d`, `+ - * /`, `^` (also Python's `**`, since PyNN users write Python),
//! parentheses, `exp sqrt abs` (one argument), `min max` (two), comparisons `< <= > >=` giving 1 or 0.
//! Precedence, loosest first: comparison, `+ -`, `* /`, unary minus, power (right-associative).

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    D,
    Neg(Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Exp,
    Sqrt,
    Abs,
    Min,
    Max,
}

impl Func {
    const NAMES: [&'static str; 5] = ["exp", "sqrt", "abs", "min", "max"];

    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "exp" => Func::Exp,
            "sqrt" => Func::Sqrt,
            "abs" => Func::Abs,
            "min" => Func::Min,
            "max" => Func::Max,
            _ => return None,
        })
    }

    fn arity(self) -> usize {
        match self {
            Func::Min | Func::Max => 2,
            _ => 1,
        }
    }
}

/// Where and why an expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset into the expression.
    pub at: usize,
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at character {}", self.message, self.at + 1)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(&'static str),
}

fn tokenize(src: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || c == b'.' {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let mut j = i + 1;
                if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                    j += 1;
                }
                if j < bytes.len() && bytes[j].is_ascii_digit() {
                    i = j;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text = &src[start..i];
            let n = text.parse::<f64>().map_err(|_| ExprError {
                at: start,
                message: format!("`{text}` is not a number"),
            })?;
            out.push((start, Tok::Num(n)));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((start, Tok::Ident(src[start..i].to_owned())));
        } else {
            const OPS: [&str; 13] = [
                "**", "<=", ">=", "+", "-", "*", "/", "^", "<", ">", "(", ")", ",",
            ];
            let op = OPS
                .into_iter()
                .find(|op| src[i..].starts_with(op))
                .ok_or_else(|| ExprError {
                    at: start,
                    message: format!(
                        "unexpected character `{}`",
                        src[i..].chars().next().unwrap_or('?')
                    ),
                })?;
            i += op.len();
            out.push((start, Tok::Op(op)));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    depth: usize,
}

/// Nesting deeper than this is refused, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 64;
/// Longer expressions are refused: a left-deep chain `1+1+...` is as deep as it is long when evaluated.
const MAX_TOKENS: usize = 512;

impl Parser {
    fn peek_op(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some((_, Tok::Op(op))) => Some(op),
            _ => None,
        }
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(at, _)| *at)
    }

    fn error(&self, message: impl Into<String>) -> ExprError {
        ExprError {
            at: self.at(),
            message: message.into(),
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), ExprError> {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{op}`")))
        }
    }

    fn binary(
        &mut self,
        ops: &[(&str, Op)],
        next: fn(&mut Self) -> Result<Expr, ExprError>,
        repeat: bool,
    ) -> Result<Expr, ExprError> {
        let mut lhs = next(self)?;
        while let Some(&(_, op)) = ops.iter().find(|(s, _)| Some(*s) == self.peek_op()) {
            self.pos += 1;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(next(self)?));
            if !repeat {
                break;
            }
        }
        Ok(lhs)
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        self.nested(|p| {
            let ops = [("<", Op::Lt), ("<=", Op::Le), (">", Op::Gt), (">=", Op::Ge)];
            p.binary(&ops, Self::additive, false)
        })
    }

    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Expr, ExprError>,
    ) -> Result<Expr, ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!("expression nested deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        let e = f(self);
        self.depth -= 1;
        e
    }

    fn additive(&mut self) -> Result<Expr, ExprError> {
        self.binary(&[("+", Op::Add), ("-", Op::Sub)], Self::term, true)
    }

    fn term(&mut self) -> Result<Expr, ExprError> {
        self.binary(&[("*", Op::Mul), ("/", Op::Div)], Self::unary, true)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        match self.peek_op() {
            Some("-") => {
                self.pos += 1;
                self.nested(|p| Ok(Expr::Neg(Box::new(p.unary()?))))
            }
            Some("+") => {
                self.pos += 1;
                self.nested(Self::unary)
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, ExprError> {
        let base = self.atom()?;
        if matches!(self.peek_op(), Some("^" | "**")) {
            self.pos += 1;
            let exponent = self.nested(Self::unary)?;
            Ok(Expr::Bin(Op::Pow, Box::new(base), Box::new(exponent)))
        } else {
            Ok(base)
        }
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        let Some((at, tok)) = self.toks.get(self.pos).cloned() else {
            return Err(self.error("unexpected end of expression"));
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Op("(") => {
                let e = self.comparison()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Op(op) => Err(ExprError {
                at,
                message: format!("unexpected `{op}`"),
            }),
            Tok::Ident(name) if name == "d" => Ok(Expr::D),
            Tok::Ident(name) => {
                let func = Func::from_name(&name).ok_or_else(|| ExprError {
                    at,
                    message: format!(
                        "unknown name `{name}`: the only variable is `d`; functions are {}",
                        Func::NAMES.join(", ")
                    ),
                })?;
                self.expect("(")?;
                let mut args = vec![self.comparison()?];
                while self.peek_op() == Some(",") {
                    self.pos += 1;
                    args.push(self.comparison()?);
                }
                self.expect(")")?;
                if args.len() != func.arity() {
                    return Err(ExprError {
                        at,
                        message: format!(
                            "`{name}` takes {} argument(s), got {}",
                            func.arity(),
                            args.len()
                        ),
                    });
                }
                Ok(Expr::Call(func, args))
            }
        }
    }
}

impl Expr {
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        let toks = tokenize(src)?;
        if toks.len() > MAX_TOKENS {
            return Err(ExprError {
                at: 0,
                message: format!("expression longer than {MAX_TOKENS} tokens"),
            });
        }
        let mut p = Parser {
            toks,
            pos: 0,
            end: src.len(),
            depth: 0,
        };
        let e = p.comparison()?;
        if p.pos < p.toks.len() {
            return Err(p.error("unexpected text after the expression"));
        }
        Ok(e)
    }

    pub fn eval(&self, d: f64) -> f64 {
        let truth = |b: bool| if b { 1.0 } else { 0.0 };
        match self {
            Expr::Num(n) => *n,
            Expr::D => d,
            Expr::Neg(e) => -e.eval(d),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(d), b.eval(d));
                match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    Op::Mul => a * b,
                    Op::Div => a / b,
                    Op::Pow => a.powf(b),
                    Op::Lt => truth(a < b),
                    Op::Le => truth(a <= b),
                    Op::Gt => truth(a > b),
                    Op::Ge => truth(a >= b),
                }
            }
            Expr::Call(f, args) => {
                let x = args[0].eval(d);
                match f {
                    Func::Exp => x.exp(),
                    Func::Sqrt => x.sqrt(),
                    Func::Abs => x.abs(),
                    Func::Min => x.min(args[1].eval(d)),
                    Func::Max => x.max(args[1].eval(d)),
                }
            }
        }
    }

    /// The connection probability at distance `d`: clamped to [0, 1]; NaN (e.g. `sqrt(-1)`) counts as 0.
    pub fn probability(&self, d: f64) -> f64 {
        let p = self.eval(d);
        if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(s: &str, d: f64) -> f64 {
        Expr::parse(s).unwrap().eval(d)
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(ev("1 + 2 * 3", 0.0), 7.0);
        assert_eq!(ev("2 ^ 3 ^ 2", 0.0), 512.0);
        assert_eq!(ev("-2 ** 2", 0.0), -4.0);
        assert_eq!(ev("(1 + 2) * 3", 0.0), 9.0);
        assert_eq!(ev("8 / 4 / 2", 0.0), 1.0);
        assert_eq!(ev("d < 2", 1.0), 1.0);
        assert_eq!(ev("d >= 2", 1.0), 0.0);
        assert_eq!(ev("max(d, 0.5) + min(1, 2)", 0.1), 1.5);
        assert!((ev("exp(-abs(d)/0.5)", 1.0) - (-2.0f64).exp()).abs() < 1e-15);
        assert_eq!(ev("1e-1 * 2.5E1", 0.0), 2.5);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = Expr::parse("exp(-d) + import(os)").unwrap_err();
        assert_eq!(e.at, 10);
        assert!(e.message.contains("unknown name `import`"));
        assert!(
            Expr::parse("min(d)")
                .unwrap_err()
                .message
                .contains("takes 2")
        );
        assert!(Expr::parse("(d").is_err());
        assert!(Expr::parse("d d").is_err());
        assert!(Expr::parse("").is_err());
        assert!(Expr::parse("d; 1").is_err());
        assert!(
            Expr::parse(&"(".repeat(100))
                .unwrap_err()
                .message
                .contains("nested")
        );
        assert!(Expr::parse(&"-".repeat(100_000)).is_err());
        assert!(Expr::parse(&"2^".repeat(100_000)).is_err());
        assert!(
            Expr::parse(&"1+".repeat(100_000))
                .unwrap_err()
                .message
                .contains("tokens")
        );
    }

    #[test]
    fn probability_is_clamped() {
        let e = Expr::parse("2 - d").unwrap();
        assert_eq!(e.probability(0.0), 1.0);
        assert_eq!(e.probability(5.0), 0.0);
        assert_eq!(Expr::parse("sqrt(0 - d)").unwrap().probability(1.0), 0.0);
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "[ -~]{0,40}") {
            if let Ok(e) = Expr::parse(&s) {
                let _ = e.probability(1.0);
            }
        }
    }
}
