import type { StallCode, StallParams } from '@shared/stall-hints.ts';

const where = (p: StallParams): string => (p.path ? ` ${p.path} ` : '');
const secs = (p: StallParams): string => (p.seconds !== undefined ? `${p.seconds} 秒間` : 'しばらく');

/**
 * The Japanese counterpart of shared/stall-hints.ts `stallHintText`: the same facts, then what
 * to check, most likely cause first. Missing parameters are left out rather than shown as blanks.
 */
export function stallHintJa(code: StallCode, p: StallParams = {}): string {
  switch (code) {
    case 'no-tftp-after-offer':
      return `DHCP の応答は届きましたが、${secs(p)} TFTP でブートファイルを要求していません。ノート PC のファイアウォール（UDP 69 番）、他の PXE サーバーが先に応答していないか、ブートファイルがファームウェア（BIOS / UEFI）に合っているかを確認してください。セキュアブートが有効だと UEFI は署名のないローダーを拒否します。`;
    case 'no-script-after-offer':
      return `iPXE は DHCP の応答を受け取りましたが、${secs(p)} HTTP でブートスクリプトを取得していません。ノート PC のファイアウォール（HTTP ポート）と、他の DHCP サーバーが iPXE を別の場所へ向けていないかを確認してください。`;
    case 'offer-not-accepted':
      return `クライアントはアドレスを要求し続けています（さらに ${p.discovers ?? 0} 回の DHCP Discover）が、こちらの応答を受け入れません。他の DHCP サーバーが応答しているか、DHCP モードが合っていません。他に DHCP サーバーがなければ「フル」、あれば「プロキシ」を使ってください。`;
    case 'no-ipxe-after-loader':
      return `最初のローダー${where(p)}を送りましたが、${secs(p)} iPXE から要求がありません。セキュアブートが署名のない iPXE ローダーを拒否している可能性があります（ファームウェア設定でオフに）。またはローダーがファームウェア（BIOS / UEFI）に合っていません。`;
    case 'loader-refused':
      return `ファームウェアはローダー${where(p)}をダウンロードしましたが、実行せずに再びアドレスを要求しました。UEFI セキュアブートが署名のない iPXE ローダーを拒否したと考えられます。「セキュアブートのクライアント」が自動なら、Bootcast は次回からこのマシンにイメージの署名済みチェーン（shim、GRUB）を渡します。もう一度電源を入れてください。署名済みチェーンを持つイメージがない場合（イメージに「セキュアブートでは起動できません」と表示）は、ファームウェア設定でセキュアブートをオフにしてください。`;
    case 'no-kernel-after-script':
      return `ブートスクリプトを送りましたが、${secs(p)} カーネルを取得していません。クライアントの画面に iPXE のエラー（イメージのパス違い、メモリ不足）が出ていないか確認してください。`;
    case 'transfer-stalled':
      return `${where(p) || 'ファイル'}のダウンロードが${p.percent !== undefined ? ` ${p.percent}% で` : ''}止まっています（${secs(p)}）。ケーブルとリンクランプを確認してください。このイメージにはクライアントのメモリが足りない可能性もあります。`;
    case 'transfer-failed':
      return `${where(p) || 'ファイル'}の要求が失敗し${p.error ? `（${p.error}）` : ''}、${secs(p)}再試行がありません。クライアントの画面に表示されたエラーを確認してください。`;
    case 'no-root-after-kernel':
      return `カーネルと initrd を送りましたが、${secs(p)} ルートファイルシステムを取得していません。initramfs にこのネットワークカードのドライバーがないか、カーネルコマンドラインが誤っています。クライアントの画面を確認してください。`;
    case 'no-root-after-network':
      return `起動したシステムはネットワークアドレスを得ましたが、${secs(p)} ルートファイルシステムを取得していません。カーネルコマンドラインのブート URL が誤っているか届きません（HTTP ポートのファイアウォール？）。`;
  }
}
