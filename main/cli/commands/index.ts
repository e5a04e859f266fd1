/** Every CLI command, by name. Add a command by creating its file and listing it here. */
import type { CliCommand } from '../command';
import { daemon } from './daemon';
import { decode } from './decode';
import { closechannel, getchannel, listchannels, listclosedchannels, openchannel } from './channels';
import { createmessagepath, listen, listmessages, mailbox, messengerstats, sendonionmessage } from './messenger';
import { onion } from './onion';
import { createrefund, disableoffer, fetchinvoice, listinvoicerequests, listinvoices, listoffers, offer, sendinvoice } from './offers';
import { connect, disconnect, forgetpeer, getinfo, listpeers, ping } from './peers';
import { simulate } from './simulate';
import { uilogin } from './uilogin';
import { settings } from './settings';
import { labelpeer } from './labelpeer';
import { backupwords, bumpfee, getbalance, listfunds, listtransactions, newaddress, withdraw } from './wallet';
import { chaininfo } from './chain';
import { getroute, invoice, listforwards, listpayments, pay } from './payments';
import { forwardingpolicy, gossipinfo, listgraphchannels, listnodes } from './gossip';
import { asyncoffer, asyncrecipientpaths, listheldhtlcs, liststaticinvoices } from './async';

export const COMMANDS: readonly CliCommand[] = [daemon, getinfo, connect, disconnect, forgetpeer, listpeers, ping, labelpeer, onion, simulate, decode, uilogin, settings,
  sendonionmessage, listmessages, mailbox, messengerstats, listen, createmessagepath,
  offer, listoffers, disableoffer, fetchinvoice, listinvoices, listinvoicerequests, createrefund, sendinvoice,
  listchannels, getchannel, openchannel, closechannel, listclosedchannels,
  chaininfo, newaddress, getbalance, listfunds, listtransactions, withdraw, bumpfee, backupwords,
  invoice, pay, listpayments, listforwards, getroute, listnodes, listgraphchannels, gossipinfo, forwardingpolicy,
  asyncoffer, listheldhtlcs, liststaticinvoices, asyncrecipientpaths];
