// SPDX-License-Identifier: MIT
// Ether moved inside other transactions, for the EVM source tests on a local ganache chain:
// a wrapped-ether token (deposit mints, withdraw burns and pays the ether back from the
// contract), a forwarder that passes msg.value on, and one whose inner payment reverts
// while the outer call succeeds (no ether may be counted for it).
pragma solidity ^0.8.20;

contract Payouts {
    string public constant name = "Wrapped Test Ether";
    string public constant symbol = "WTETH";
    uint8 public constant decimals = 18;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function deposit() external payable {
        balanceOf[msg.sender] += msg.value;
        emit Transfer(address(0), msg.sender, msg.value);
    }

    function withdraw(uint256 value) external {
        require(balanceOf[msg.sender] >= value, "balance");
        balanceOf[msg.sender] -= value;
        emit Transfer(msg.sender, address(0), value);
        (bool ok, ) = payable(msg.sender).call{value: value}("");
        require(ok, "send");
    }

    /** Passes the ether sent on to `to` (an internal transfer in someone else's transaction). */
    function forward(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "send");
    }

    /** Pays `to` inside a call that then reverts; the outer call succeeds and keeps the ether. */
    function tryForward(address payable to) external payable {
        try this.payThenRevert{value: msg.value}(to) {} catch {}
    }

    function payThenRevert(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "send");
        revert("undone");
    }
}
